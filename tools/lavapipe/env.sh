# Source this (bash) to run Deno's WebGPU on Mesa's software Vulkan driver
# (lavapipe) on a machine without a GPU or a Vulkan driver:
#   . tools/lavapipe/env.sh && deno test -A packages/tensor
#
# Why: without a Vulkan driver Deno's WebGPU falls back to wgpu's OpenGL
# backend over llvmpipe. That backend translates WGSL to GLSL, not to SPIR-V
# as on a real GPU, and its EGL teardown at exit has aborted the test process
# ("corrupted size vs. prev_size", after every test had passed). With lavapipe
# the tests run through the same Vulkan backend as on an NVIDIA machine.
#
# What it does: downloads Debian's mesa-vulkan-drivers and libvulkan1 (no root
# needed: `apt-get download` into tools/lavapipe/cache, unpacked with
# `dpkg -x`), writes an ICD manifest naming the unpacked driver, checks that
# Deno then finds an adapter, and exports LD_LIBRARY_PATH, VK_ICD_FILENAMES
# and DENO_WEBGPU_BACKEND=vulkan. It leaves the environment alone when a Vulkan
# driver is installed, when DENO_WEBGPU_BACKEND is already set, or when any
# step fails (it says why; WebGPU then runs on whatever Deno finds).
# Needs `deno` on PATH, apt-get and dpkg (Debian or Ubuntu), and libllvm from
# Mesa's OpenGL packages, as llvmpipe does.

recognize_lavapipe() {
  local here cache root lib manifest probe
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  cache="$here/cache"
  root="$cache/root"
  lib="$root/usr/lib/$(uname -m)-linux-gnu" # Debian's multiarch folder
  manifest="$cache/lvp_icd.json"

  if [ -n "${DENO_WEBGPU_BACKEND:-}" ]; then return 0; fi
  if ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then return 0; fi
  case "$(uname -sm)" in "Linux x86_64" | "Linux aarch64") ;; *) return 0 ;; esac
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    echo "lavapipe: no apt-get/dpkg here; WebGPU uses the adapter Deno finds" >&2
    return 0
  fi

  if [ ! -f "$lib/libvulkan_lvp.so" ] || [ ! -e "$lib/libvulkan.so.1" ]; then
    echo "lavapipe: downloading Debian's mesa-vulkan-drivers and libvulkan1 ..." >&2
    local apt o
    if ! apt="$(mktemp -d 2>/dev/null)" ||
      ! mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$cache" 2>/dev/null; then
      echo "lavapipe: cannot make its folders; WebGPU uses the adapter Deno finds" >&2
      return 0
    fi
    o=(-qq -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache"
      -oAPT::Sandbox::User="$(id -un)")
    if ! apt-get "${o[@]}" update >/dev/null 2>&1 ||
      ! (cd "$cache" && rm -f ./*.deb && apt-get "${o[@]}" download mesa-vulkan-drivers libvulkan1 >/dev/null 2>&1); then
      rm -rf "$apt"
      echo "lavapipe: could not download the packages; WebGPU uses the adapter Deno finds" >&2
      return 0
    fi
    rm -rf "$apt" "$root"
    local deb
    for deb in "$cache"/*.deb; do
      if ! dpkg -x "$deb" "$root"; then
        echo "lavapipe: cannot unpack $deb; WebGPU uses the adapter Deno finds" >&2
        return 0
      fi
    done
  fi
  if ! printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.1.0"}}\n' \
    "$lib/libvulkan_lvp.so" 2>/dev/null >"$manifest"; then
    echo "lavapipe: cannot write $manifest; WebGPU uses the adapter Deno finds" >&2
    return 0
  fi

  probe='const a = await navigator.gpu?.requestAdapter(); if (!a) Deno.exit(1);'
  if ! LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" VK_ICD_FILENAMES="$manifest" \
    DENO_WEBGPU_BACKEND=vulkan deno eval "$probe" >/dev/null 2>&1; then
    echo "lavapipe: Deno found no adapter through it; WebGPU uses the adapter Deno finds" >&2
    return 0
  fi
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export VK_ICD_FILENAMES="$manifest" DENO_WEBGPU_BACKEND=vulkan
  echo "lavapipe: WebGPU runs on Mesa's software Vulkan driver ($(basename "$cache"/mesa-vulkan-drivers_*.deb .deb))" >&2
}
recognize_lavapipe
unset -f recognize_lavapipe
