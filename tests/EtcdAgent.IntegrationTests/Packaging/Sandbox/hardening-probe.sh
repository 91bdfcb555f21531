#!/bin/bash
# What the etcd-agent unit's sandboxing actually stops, tried from inside it. HardeningProbeTests runs this twice under
# a real systemd: as the shipped unit's ExecStart (a drop-in swaps only ExecStart and Type) and as a plain root
# service without any hardening (the baseline), and compares. A directive is shown to be enforced only when the
# baseline could do what the hardened unit could not; where the baseline is refused too (the sandbox itself already
# forbids it), the directive cannot be told apart here. Output, one line each: "NAME 0" = refused / property holds,
# "NAME 1" = allowed / does not hold.
set -u
py=/usr/bin/python3

refused() { # NAME CMD...: 0 when CMD fails
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then echo "$name 1"; else echo "$name 0"; fi
}
holds() { # NAME CMD...: 0 when CMD succeeds
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then echo "$name 0"; else echo "$name 1"; fi
}

holds User=root test "$(id -u)" = 0
holds CapabilityBoundingSet= grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/self/status
holds NoNewPrivileges=yes grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/self/status
refused root-without-CAP_DAC_OVERRIDE cat /var/tmp/probe-other-user
holds reads-root-0600-files cat /etc/etcd-agent/probe-root-secret
refused ProtectSystem=strict touch /usr/probe
holds writes-StateDirectory touch /var/lib/etcd-agent/probe-$$
holds UMask=0077 test "$(stat -c %a /var/lib/etcd-agent/probe-$$)" = 600
refused ProtectHome=yes ls /root/probe-home-marker
refused InaccessiblePaths=/etc/shadow cat /etc/shadow
refused InaccessiblePaths=/etc/ssh ls /etc/ssh
refused PrivateTmp=yes test -e /tmp/probe-host-tmp-marker
refused PrivateDevices=yes test -e /dev/probe-block
refused ProtectKernelModules=yes ls /usr/lib/modules
refused ProtectKernelLogs=yes test -r /dev/kmsg
refused ProtectKernelTunables=yes test -w /proc/sys/kernel/domainname
holds ProtectControlGroups=yes test "$(awk '$2 ~ /^\/sys\/fs\/cgroup\// && $4 ~ /(^|,)rw(,|$)/' /proc/self/mounts | wc -l)" = 0
refused ProtectProc=invisible test -e /proc/1/cmdline
refused RestrictAddressFamilies=AF_UNIX-AF_INET-AF_INET6 "$py" -c 'import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)'
holds allows-AF_INET6 "$py" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_STREAM)'
refused RestrictNamespaces=yes unshare --user --map-root-user true
refused RestrictRealtime=yes chrt -f 1 true
refused RestrictSUIDSGID=yes chmod u+s /var/lib/etcd-agent/probe-$$
refused LockPersonality=yes setarch linux32 true
refused SystemCallFilter=@system-service "$py" -c 'import ctypes,sys; sys.exit(0 if ctypes.CDLL(None).ptrace(0,0,0,0) == 0 else 1)'
holds SystemCallErrorNumber=EPERM "$py" -c 'import ctypes,sys; l=ctypes.CDLL(None, use_errno=True); l.ptrace(0,0,0,0); sys.exit(0 if ctypes.get_errno() == 1 else 1)'
exit 0
