#!/usr/bin/env bash
# Boots this machine's own systemd as PID 1 in new PID/mount/UTS/IPC/cgroup namespaces over a throwaway overlay of
# `/`, so a test can dpkg -i, systemctl and journalctl for real without changing the host (the recipe and its limits:
# ../shared/specs/environment.md "A real systemd as PID 1"). Run by SystemdSandbox.cs, as root:
#   systemd-sandbox.sh NAME WORKDIR [--private-network]
# NAME names the cgroups (sbx-NAME, removed by the caller after the sandbox ends); WORKDIR (on the host, empty) gets
# console.log. The process tree is: this script (in the sandbox's cgroups) → unshare → systemd, PID 1 inside. Killing
# that systemd ends every process inside and unmounts the overlay with the mount namespace: nothing is left behind.
set -euo pipefail

if [ "${1:-}" = "--inside" ]; then
    shift
    name=$1 work=$2 net=$3

    if [ "$net" = private ]; then ip link set lo up; fi

    # 2. Root: an overlay over the host's / whose writes land in a tmpfs private to this mount namespace.
    fs=$work/fs
    mkdir -p "$fs"
    mount -t tmpfs -o size=2g,mode=755 sandbox "$fs"
    mkdir "$fs/upper" "$fs/work" "$fs/root"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$fs/upper,workdir=$fs/work" "$fs/root"
    r=$fs/root

    # 3. The API file systems systemd expects, made here because the overlay does not carry the host's submounts.
    mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
    mount --bind "$r/proc/sys" "$r/proc/sys"
    mount -o remount,bind,ro "$r/proc/sys"
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
    mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup "$r/sys/fs/cgroup"
    own_cgroups=$(cat /proc/self/cgroup)
    while IFS=: read -r _ controllers _; do
        if [ -z "$controllers" ]; then
            if [ -d /sys/fs/cgroup/unified ]; then
                mkdir "$r/sys/fs/cgroup/unified"
                mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r/sys/fs/cgroup/unified"
            fi
        elif [ "$controllers" = name=systemd ]; then
            mkdir "$r/sys/fs/cgroup/systemd"
            mount -t cgroup -o none,name=systemd,nosuid,nodev,noexec cgroup "$r/sys/fs/cgroup/systemd"
        else
            mkdir "$r/sys/fs/cgroup/$controllers"
            mount -t cgroup -o "$controllers,nosuid,nodev,noexec" cgroup "$r/sys/fs/cgroup/$controllers"
        fi
    done <<<"$own_cgroups"
    if ! grep -q ':name=systemd:' <<<"$own_cgroups"; then
        # A unified-only host: the one hierarchy is mounted where systemd looks first.
        umount "$r/sys/fs/cgroup"
        mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r/sys/fs/cgroup"
    else
        mount -o remount,ro,mode=755 "$r/sys/fs/cgroup"
    fi
    mount -t tmpfs -o mode=755,nosuid,nodev run "$r/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$r/tmp"
    mount -t tmpfs -o mode=755,nosuid dev "$r/dev"
    mknod -m 666 "$r/dev/null" c 1 3
    mknod -m 666 "$r/dev/zero" c 1 5
    mknod -m 666 "$r/dev/full" c 1 7
    mknod -m 666 "$r/dev/random" c 1 8
    mknod -m 666 "$r/dev/urandom" c 1 9
    mknod -m 666 "$r/dev/tty" c 5 0
    mkdir "$r/dev/pts" "$r/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
    ln -s pts/ptmx "$r/dev/ptmx"
    ln -s /proc/self/fd "$r/dev/fd"
    ln -s /proc/self/fd/0 "$r/dev/stdin"
    ln -s /proc/self/fd/1 "$r/dev/stdout"
    ln -s /proc/self/fd/2 "$r/dev/stderr"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
    touch "$work/console.log" "$r/dev/console"
    mount --bind "$work/console.log" "$r/dev/console"

    # 4. A machine of its own, booting a target that starts nothing of the host's: the host enables etcd, ceph,
    # postgresql and more for multi-user.target, which must not start in here.
    etc=$r/etc/systemd/system
    systemd-id128 new >"$r/etc/machine-id"
    echo "${name,,}" >"$r/etc/hostname"
    cat >"$etc/sandbox.target" <<'EOF'
[Unit]
Description=etcd-agent test sandbox
Requires=basic.target
After=basic.target
AllowIsolate=yes
EOF
    ln -sf sandbox.target "$etc/default.target"
    for unit in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
        systemd-udev-trigger.service systemd-udev-settle.service getty.target console-getty.service \
        systemd-logind.service systemd-modules-load.service systemd-sysctl.service systemd-networkd.service \
        systemd-networkd.socket networking.service systemd-timesyncd.service lvm2-monitor.service \
        lvm2-lvmpolld.socket dm-event.socket dm-event.service systemd-pstore.service \
        proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-binfmt.service \
        systemd-repart.service systemd-firstboot.service systemd-hwdb-update.service \
        sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
        dev-hugepages.mount dev-mqueue.mount timers.target nvmf-autoconnect.service smartmontools.service \
        systemd-journald-audit.socket systemd-remount-fs.service; do
        ln -sf /dev/null "$etc/$unit"
    done
    # Debian's policy-rc.d (present in container images) makes deb-systemd-invoke a silent no-op.
    rm -f "$r/usr/sbin/policy-rc.d"

    # 5. Into the new root; shared propagation, which systemd skips in a container and LoadCredential= needs.
    mkdir -p "$r/.oldroot"
    cd "$r"
    pivot_root . .oldroot
    umount -l /.oldroot
    rmdir /.oldroot
    mount --make-rshared /
    exec env -i container=etcd-agent-test PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /lib/systemd/systemd --unit=sandbox.target --show-status=false
fi

name=${1:?usage: systemd-sandbox.sh NAME WORKDIR [--private-network]}
work=${2:?usage: systemd-sandbox.sh NAME WORKDIR [--private-network]}
net=host
unshare_net=()
if [ "${3:-}" = --private-network ]; then
    net=private
    unshare_net=(--net)
fi

# 1. A cgroup of its own in every hierarchy, entered before unshare, so the cgroup namespace's root is sbx-NAME and
# systemd inside can create its slices there. Read once: the file changes as this process moves, and bash reads it a
# byte at a time.
own_cgroups=$(cat /proc/self/cgroup)
while IFS=: read -r _ controllers path; do
    if [ -z "$controllers" ]; then
        base=/sys/fs/cgroup
        [ -d /sys/fs/cgroup/unified ] && base=/sys/fs/cgroup/unified
    else
        base=/sys/fs/cgroup/${controllers#name=}
    fi
    dir=${base}${path%/}/sbx-$name
    mkdir -p "$dir"
    if [ "$controllers" = cpuset ]; then
        cat "$(dirname "$dir")/cpuset.cpus" >"$dir/cpuset.cpus"
        cat "$(dirname "$dir")/cpuset.mems" >"$dir/cpuset.mems"
    fi
    echo $$ >"$dir/cgroup.procs"
done <<<"$own_cgroups"

exec unshare --fork --pid --mount --uts --ipc --cgroup "${unshare_net[@]}" --propagation private \
    "$0" --inside "$name" "$work" "$net"
