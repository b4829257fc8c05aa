// How glibc's allocator behaves in the agent's process. glibc reads this once, when the process starts, so it is
// part of the environment that whoever starts the agent gives it (the systemd unit on a VPS, the desktop locally).
//
// Why: the embedded engine (Rust, a thread pool) and Node's Buffers allocate through glibc's malloc. By default glibc
// gives threads up to eight arenas per core, and after a large block is freed it raises the size above which blocks
// get their own mapping, up to 32 MiB: one 16 MiB frame once, and later large blocks come from arenas that seldom
// shrink. Under the db hub's fuzz (10,000 hostile frames, 16 MiB ones among them) resident memory grew in steps of
// tens of MB that never came back; with two arenas and a fixed 1 MiB threshold it comes back to within ~10 MB of where it started.
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES:
    'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=4194304',
};
