#!/usr/bin/env bash
# Builds etcd-agent_<VERSION>_<ARCH>.deb from a published binary (`make publish`: self-contained, trimmed, single
# file — the node needs no .NET runtime). Plain dpkg-deb, no debhelper: the package is one binary, one unit, one
# conffile and docs, and what debhelper would generate for the unit is written out in postinst/prerm/postrm.
#   packaging/deb/build.sh ARCH BINARY OUTDIR      e.g. amd64 artifacts/publish/etcd-agent artifacts/deb
set -euo pipefail

arch=${1:?usage: build.sh ARCH BINARY OUTDIR}
binary=${2:?usage: build.sh ARCH BINARY OUTDIR}
outdir=${3:?usage: build.sh ARCH BINARY OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# One version source: VERSION (the same file Directory.Build.props stamps into the binary).
version=$(tr -d '[:space:]' <"$root/VERSION")
changelog_version=$(sed -n '1s/^etcd-agent (\([^)]*\)).*/\1/p' "$here/changelog")
if [ "$changelog_version" != "$version" ]; then
  echo "error: packaging/deb/changelog starts at $changelog_version but VERSION says $version: add a changelog entry for $version" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "error: $binary is missing: run \`make publish\` (or \`make deb\`, which publishes first)" >&2
  exit 1
fi

mkdir -p "$outdir"
stage=$(mktemp -d "$outdir/stage-$arch-XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"   # mktemp made it 0700; it becomes the package's ./
# Files in the package get their modes here; dpkg-deb --root-owner-group makes them root:root.
umask 022

install -D -m 0755 "$binary" "$stage/usr/bin/etcd-agent"
install -D -m 0644 "$root/packaging/systemd/etcd-agent.service" "$stage/lib/systemd/system/etcd-agent.service"
# The config may name secrets' paths and the webhook URL: root-only, like the directory it is in.
install -d -m 0700 "$stage/etc/etcd-agent"
install -m 0600 "$root/packaging/examples/config.yaml" "$stage/etc/etcd-agent/config.yaml"

doc="$stage/usr/share/doc/etcd-agent"
install -d -m 0755 "$doc/examples"
install -m 0644 "$root/packaging/examples/"*.yaml "$doc/examples/"
# The monitoring kit: Prometheus alerting rules, their promtool unit tests and a Grafana dashboard.
install -d -m 0755 "$doc/examples/monitoring"
install -m 0644 "$root/packaging/monitoring/"etcd-agent.* "$doc/examples/monitoring/"
install -m 0644 "$root/README.md" "$doc/README.md"
install -m 0644 "$here/copyright" "$doc/copyright"
# A native package (the version has no Debian revision: upstream builds it), so changelog.gz, not changelog.Debian.gz.
gzip -9n <"$here/changelog" >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
install -d -m 0755 "$stage/usr/share/man/man8"
gzip -9n <"$here/etcd-agent.8" >"$stage/usr/share/man/man8/etcd-agent.8.gz"
chmod 0644 "$stage/usr/share/man/man8/etcd-agent.8.gz"
install -D -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/etcd-agent"

install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/control.in" >"$stage/DEBIAN/control"
install -m 0644 "$here/conffiles" "$stage/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/md5sums"

deb="$outdir/etcd-agent_${version}_${arch}.deb"
# xz -3: 14 MB in ~7 s on 2 cores; the default level saves 1 MB for three times the time.
dpkg-deb --root-owner-group -Zxz -z3 --build "$stage" "$deb" >/dev/null
echo "$deb ($(du -h "$deb" | cut -f1))"
