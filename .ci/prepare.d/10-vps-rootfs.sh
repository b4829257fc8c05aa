#!/usr/bin/env bash
# Builds the disposable VPS used by test/vps: a Debian 12 root file system (systemd, sshd, sudo, curl, xz — no
# Node, so the Node install path is exercised) and a Node tarball mirror made from this machine's Node.
# Cached outside the repo under /var/cache/mono-test; re-running skips what is already built.
set -euo pipefail

cache=${MONO_TEST_CACHE:-/var/cache/mono-test}
# Bump when the recipe changes, so an old cache is not reused.
recipe=4
rootfs="$cache/vps-rootfs-v$recipe"
mkdir -p "$cache"
exec 9>"$cache/.prepare.lock"
flock 9

if [ ! -e "$rootfs/.mono-ready" ]; then
  echo "vps: building Debian 12 root file system into $rootfs (a few minutes, once)"
  rm -rf "$rootfs.partial"
  mmdebstrap --variant=minbase --quiet \
    --include=systemd,systemd-sysv,dbus,openssh-server,sudo,ca-certificates,curl,xz-utils,iproute2,procps \
    --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
    --customize-hook='chroot "$1" useradd --create-home --shell /bin/bash deployer' \
    --customize-hook='chroot "$1" useradd --create-home --shell /bin/bash nosudo' \
    --customize-hook='chroot "$1" usermod -p "*" deployer' \
    --customize-hook='chroot "$1" usermod -p "*" nosudo' \
    --customize-hook='echo "deployer ALL=(ALL) NOPASSWD:ALL" > "$1"/etc/sudoers.d/deployer && chmod 0440 "$1"/etc/sudoers.d/deployer' \
    --customize-hook='mkdir -p "$1"/etc/ssh/mono-test' \
    --customize-hook='printf "%s\n" "HostKey /etc/ssh/mono-test/ssh_host_ed25519_key" "AuthorizedKeysFile /etc/ssh/mono-test/authorized_keys" "PermitRootLogin prohibit-password" "PasswordAuthentication no" "UseDNS no" > "$1"/etc/ssh/sshd_config.d/mono-test.conf' \
    --customize-hook='echo vps > "$1"/etc/hostname && printf "127.0.0.1 localhost\n127.0.1.1 vps\n" > "$1"/etc/hosts' \
    --customize-hook='chroot "$1" systemctl mask systemd-resolved.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer systemd-networkd-wait-online.service getty@tty1.service console-getty.service 2>/dev/null || true' \
    bookworm "$rootfs.partial" http://deb.debian.org/debian
  touch "$rootfs.partial/.mono-ready"
  mv -T "$rootfs.partial" "$rootfs"
fi
# Tests read the path from here, so a new recipe never leaves them on an old tree.
# Written with a rename: a test reading it while another test process runs this script never sees it empty.
echo "$rootfs" > "$cache/vps-rootfs.path.$$" && mv -f "$cache/vps-rootfs.path.$$" "$cache/vps-rootfs.path"

# The Node mirror: the official layout (v<version>/node-v<version>-linux-x64.tar.xz + SHASUMS256.txt), packed
# from this machine's node binary, which links only libc and libstdc++ (both in the root file system).
version=$(node -p 'process.versions.node')
mirror="$cache/node-mirror"
if [ ! -e "$mirror/v$version/SHASUMS256.txt" ]; then
  echo "vps: packing node v$version for the local mirror"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  name="node-v$version-linux-x64"
  mkdir -p "$work/$name/bin"
  cp "$(command -v node)" "$work/$name/bin/node"
  printf 'Node.js v%s repacked for the MONO test mirror.\n' "$version" > "$work/$name/README.md"
  mkdir -p "$mirror/v$version"
  tar -C "$work" -cf - "$name" | xz -1 -T2 > "$mirror/v$version/$name.tar.xz.partial"
  mv "$mirror/v$version/$name.tar.xz.partial" "$mirror/v$version/$name.tar.xz"
  (cd "$mirror/v$version" && sha256sum "$name.tar.xz" > SHASUMS256.txt.partial && mv SHASUMS256.txt.partial SHASUMS256.txt)
fi
echo "vps: fixtures ready in $cache"
