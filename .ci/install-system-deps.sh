#!/usr/bin/env bash
# Installs with apt (Debian 12) the system packages that the tests need beyond Node.js.
# They are Xvfb for gpu.js headless GL, the toolchain and headers that build the `gl` addon
# from source, Mesa's software GL driver, and Chromium for the browser tests.
# Idempotent: when every package is already installed it makes no network request.
set -euo pipefail

packages=(
  # X server in memory. The `gl` addon (headless-gl 8) opens its context through GLX, so
  # gpu.js mode `headlessgl` runs only with a display: `xvfb-run -a node ...`.
  xvfb
  # xvfb-run calls xauth to create the X authority file for the server it starts.
  xauth
  # libGL.so.1, which the ANGLE layer inside `gl` loads with dlopen at run time.
  libgl1
  libglx-mesa0
  # Mesa's swrast_dri.so (llvmpipe), the software GL driver that runs the shaders under Xvfb.
  libgl1-mesa-dri
  # Headers and .pc files that `gl`'s binding.gyp queries with `pkg-config x11 xi xext`.
  # Without libxi-dev the build stops at "Package 'xi' ... not found".
  libx11-dev
  libxext-dev
  libxi-dev
  pkg-config
  # node-gyp's toolchain for the `gl` source build (gyp is Python, the addon is C++).
  python3
  make
  g++
  # Debian's Chromium for the browser tests, driven by playwright-core with
  # executablePath /usr/bin/chromium, so no test tool downloads a browser of its own.
  chromium
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != 'install ok installed' ]]; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-system-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_prefix=(sudo)
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt or dpkg run may hold the lock, so wait for it instead of failing at once.
lock_timeout=(-o DPkg::Lock::Timeout=600)
"${sudo_prefix[@]}" apt-get "${lock_timeout[@]}" update -q
"${sudo_prefix[@]}" apt-get "${lock_timeout[@]}" install -y -q "${missing[@]}"
echo 'install-system-deps: done'
