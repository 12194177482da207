#!/bin/bash
# Build a root-filesystem overlay holding Debian's dpdk-testpmd (package
# dpdk-dev, DPDK 22.11) and every shared library it needs, for the test VMs
# (tests/vm/prep-dpdk.sh) or any busybox initramfs.
#
# usage: bench/dpdk/mkoverlay.sh [--cache DIR] [--pmds "net_e1000 ..."]
#                                [--no-l3fwd-power]
#
# Packages come from the configured apt sources through `apt-get download`
# (no root needed, nothing is installed) and are unpacked with `dpkg -x`
# into DIR/stage (default DIR: tests/vm/cache/dpdk). The package set is the
# Depends closure of the librte packages testpmd links against plus the
# plugin PMDs, minus what is installed on this machine (those libraries are
# copied from the host, which is the same Debian release). Each round of
# the closure is ONE apt-get call. The overlay (DIR/overlay) is:
#   /usr/bin/dpdk-testpmd, /usr/lib/x86_64-linux-gnu/*.so* (ldd closure),
#   /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/<pmd>.so.23.0 plugins,
#   libgcc_s.so.1, /lib64/ld-linux-x86-64.so.2,
#   /usr/bin/dpdk-l3fwd-power: Debian ships l3fwd-power only as example
#   source (dpdk-doc); it is compiled here against libdpdk-dev's headers
#   and the staged libraries (skip with --no-l3fwd-power).
# A finished overlay is reused (DIR/overlay/.complete lists its inputs).
# Prints the overlay path as its last line. Exit 77 when apt cannot
# provide the packages (no network, no dpdk-dev in the sources).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$top/tests/vm/cache/dpdk
# EAL loads PMDs as plugins; these four are what testpmd needs for an
# e1000e (8086:10d3 is driven by net_e1000 "em"), its mbuf pool and the
# PCI/vdev buses.
pmds="net_e1000 mempool_ring bus_pci bus_vdev"
l3fwd=1
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--pmds) pmds=$2; shift 2 ;;
	--no-l3fwd-power) l3fwd=0; shift ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "mkoverlay.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
debs=$cache/debs stage=$cache/stage ov=$cache/overlay
lib=usr/lib/x86_64-linux-gnu
pmddir=$lib/dpdk/pmds-23.0
key="pmds=$pmds l3fwd-power=$l3fwd"
if [ -f "$ov/.complete" ] && [ "$(cat "$ov/.complete")" = "$key" ]; then
	echo "$ov"
	exit 0
fi
mkdir -p "$debs" "$stage"

# librte_net_e1000.so.23 -> librte-net-e1000-23, librte_eal.so.23 -> librte-eal23
# (Debian appends "-" before the ABI number when the name ends in a digit).
soname2pkg() {
	local b=${1%.so.*}
	b=${b//_/-}
	if [[ $b =~ [0-9]$ ]]; then echo "$b-23"; else echo "${b}23"; fi
}

# apt-get download PKGS in one call; on failure retry one by one so the
# message names the package that is missing.
fetch() {
	[ $# -gt 0 ] || return 0
	echo "mkoverlay.sh: apt-get download $*" >&2
	if ! (cd "$debs" && apt-get download -q "$@" >/dev/null 2>"$cache/apt.err"); then
		local p bad=()
		for p in "$@"; do
			(cd "$debs" && apt-get download -q "$p" >/dev/null 2>>"$cache/apt.err") || bad+=("$p")
		done
		if [ ${#bad[@]} -gt 0 ]; then
			cat "$cache/apt.err" >&2
			echo "mkoverlay.sh: cannot download: ${bad[*]}" >&2
			return 77
		fi
	fi
}
have_deb() { compgen -G "$debs/${1}_*.deb" >/dev/null; }
on_host() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_deb dpdk-dev || fetch dpdk-dev || exit 77
[ -x "$stage/usr/bin/dpdk-testpmd" ] || dpkg -x "$debs"/dpdk-dev_*.deb "$stage"
[ -x "$stage/usr/bin/dpdk-testpmd" ] || { echo "mkoverlay.sh: dpdk-dev has no usr/bin/dpdk-testpmd" >&2; exit 1; }

# Round 0: the librte packages testpmd names in DT_NEEDED, and the PMDs.
want=()
for so in $(readelf -d "$stage/usr/bin/dpdk-testpmd" | sed -n 's/.*(NEEDED).*\[\(librte_.*\)\]/\1/p'); do
	want+=("$(soname2pkg "$so")")
done
for p in $pmds; do want+=("$(soname2pkg "librte_$p.so.23")"); done
# l3fwd-power: its runtime libraries join the closure; its build inputs
# (example source, headers) do not.
if [ $l3fwd = 1 ]; then
	want+=(librte-power23 librte-lpm23)
	bdeps=()
	for p in dpdk-doc libdpdk-dev libbsd-dev libmd-dev; do have_deb "$p" || bdeps+=("$p"); done
	fetch "${bdeps[@]}" || exit 77
fi
done_pkgs=" "
for round in 1 2 3 4 5 6 7 8 9 10; do
	new=()
	for p in $(printf '%s\n' "${want[@]}" | sort -u); do
		case $done_pkgs in *" $p "*) continue ;; esac
		done_pkgs="$done_pkgs$p "
		on_host "$p" && continue
		have_deb "$p" || new+=("$p")
	done
	fetch "${new[@]}" || exit 77
	# Next round: Depends of every package taken so far (first
	# alternative, no version, no :any).
	want=()
	for p in $done_pkgs; do
		on_host "$p" && continue
		f=$(compgen -G "$debs/${p}_*.deb" | head -1) || continue
		dep=$(dpkg-deb -f "$f" Depends 2>/dev/null || true)
		for d in $(tr ',' '\n' <<<"$dep" | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g'); do
			case $done_pkgs in *" $d "*) ;; *) want+=("$d") ;; esac
		done
	done
	[ ${#want[@]} -eq 0 ] && break
done
[ ${#want[@]} -eq 0 ] || { echo "mkoverlay.sh: dependency closure did not converge: ${want[*]}" >&2; exit 1; }
for f in "$debs"/*.deb; do
	m=$stage/.x.$(basename "$f")
	[ -e "$m" ] || { dpkg -x "$f" "$stage" && touch "$m"; }
done

# l3fwd-power from the example source. Linked against the exact runtime
# sonames (-l:librte_X.so.23): libdpdk-dev's unversioned links point at
# every DPDK library, most of which are not staged.
if [ $l3fwd = 1 ] && [ ! -x "$cache/dpdk-l3fwd-power" ]; then
	ex=$stage/usr/share/dpdk/examples/l3fwd-power
	[ -f "$ex/main.c" ] || { echo "mkoverlay.sh: no l3fwd-power source in dpdk-doc" >&2; exit 1; }
	rtelibs=()
	for f in "$stage/$lib"/librte_*.so.23; do rtelibs+=("-l:$(basename "$f")"); done
	# -march=corei7 and rte_config.h: libdpdk.pc's Cflags
	gcc -O2 -DALLOW_EXPERIMENTAL_API -march=corei7 -include rte_config.h \
		-I"$stage/usr/include/x86_64-linux-gnu/dpdk" -I"$stage/usr/include/dpdk" \
		-isystem "$stage/usr/include" "$ex/main.c" "$ex/perf_core.c" \
		-o "$cache/dpdk-l3fwd-power.tmp" -L"$stage/$lib" \
		-Wl,-rpath-link="$stage/$lib" -Wl,--as-needed "${rtelibs[@]}" -l:libbsd.so.0 -lm -pthread \
		>"$cache/l3fwd-build.log" 2>&1 ||
		{ tail -20 "$cache/l3fwd-build.log" >&2; echo "mkoverlay.sh: building l3fwd-power failed" >&2; exit 1; }
	mv "$cache/dpdk-l3fwd-power.tmp" "$cache/dpdk-l3fwd-power"
fi

# The overlay: testpmd, its ldd closure (stage first, then the host), the
# PMD plugins and what glibc dlopen()s behind the program's back.
rm -rf "$ov"
mkdir -p "$ov/usr/bin" "$ov/$pmddir" "$ov/lib64"
cp "$stage/usr/bin/dpdk-testpmd" "$ov/usr/bin/"
LP=$stage/$lib:$stage/lib/x86_64-linux-gnu
objs=("$stage/usr/bin/dpdk-testpmd")
if [ $l3fwd = 1 ]; then
	cp "$cache/dpdk-l3fwd-power" "$ov/usr/bin/"
	objs+=("$cache/dpdk-l3fwd-power")
fi
for p in $pmds; do
	f=$stage/$pmddir/librte_$p.so.23
	[ -e "$f" ] || f=$stage/$lib/librte_$p.so.23
	[ -e "$f" ] || { echo "mkoverlay.sh: PMD librte_$p.so.23 not in the stage" >&2; exit 1; }
	objs+=("$(readlink -f "$f")")
done
missing=$(for o in "${objs[@]}"; do LD_LIBRARY_PATH=$LP ldd "$o"; done | grep 'not found' | sort -u || true)
[ -z "$missing" ] || { echo "mkoverlay.sh: unresolved libraries:"$'\n'"$missing" >&2; exit 1; }
for o in "${objs[@]}"; do LD_LIBRARY_PATH=$LP ldd "$o"; done |
	awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
	while read -r so path; do cp -L "$path" "$ov/$lib/$so"; done
# PITFALL: EAL loads only plugin files named *.so or *.so.23.0 from the
# plugin dir; the *.so.23 links Debian ships there are skipped, and then
# "No probed ethernet devices" (and no mempool_ring: mbuf pool creation
# fails with EINVAL).
for p in $pmds; do
	cp -L "$stage/$pmddir/librte_$p.so.23" "$ov/$lib/librte_$p.so.23" 2>/dev/null ||
		cp -L "$stage/$lib/librte_$p.so.23" "$ov/$lib/librte_$p.so.23"
	ln -sf "../../librte_$p.so.23" "$ov/$pmddir/librte_$p.so.23.0"
done
# PITFALL: glibc dlopen()s libgcc_s for pthread_cancel; without it testpmd
# aborts at exit ("libgcc_s.so.1 must be installed").
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$ov/$lib/"
cp -L /lib64/ld-linux-x86-64.so.2 "$ov/lib64/"
ls "$debs" | sed -n 's/\.deb$//p' >"$ov/.packages"
echo "$key" >"$ov/.complete"
echo "mkoverlay.sh: $(ls "$debs" | wc -l) packages, overlay $(du -sh "$ov" | cut -f1), $(ls "$ov/$lib" | wc -l) libraries" >&2
echo "$ov"
