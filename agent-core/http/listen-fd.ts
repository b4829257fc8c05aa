// The listening socket this process was handed instead of binding its port itself: by systemd (socket
// activation: LISTEN_FDS/LISTEN_PID, sd_listen_fds(3)) or by the release it took over from (MONO_LISTEN_FD, see
// handover.ts). Read once: the variables are removed so that processes this one starts do not claim the socket.

let taken: { fd: number | undefined } | undefined;

export function inheritedListenFd(): number | undefined {
  if (!taken) {
    const fromSystemd = process.env.LISTEN_PID === String(process.pid) && process.env.LISTEN_FDS === '1';
    const fromRelease = process.env.MONO_LISTEN_FD === '3';
    delete process.env.LISTEN_PID;
    delete process.env.LISTEN_FDS;
    delete process.env.LISTEN_FDNAMES;
    delete process.env.MONO_LISTEN_FD;
    taken = { fd: fromSystemd || fromRelease ? 3 : undefined };
  }
  return taken.fd;
}
