#!/bin/bash
# One GPU session's measurements, run on the device machine from the project
# root with .device/ carried (see DEVELOPERS.md, "Measuring on a GPU"):
#   bash tools/device/gpu_run.sh [STEP ...]
# Steps (all by default, in this order): info, tilings, bench, peers, q3, old,
# q6; and on request: epochs (the bench's epochs only), submit, q5 and q5cpu
# (the autoencoder on the GPU and on that machine's CPU), q4 (OCR eval on the
# GPU). Each step has its own time limit and writes its log under
# out/device, so a step that fails or runs long costs only itself; after each
# step the logs go to $OUT as one results.tgz (a call brings back at most 8
# files, and a call cut off at its limit still brings back what is there).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd); cd "$root"
out=$root/out/device; rm -rf "$out"; mkdir -p "$out"
steps=${*:-info tilings bench peers q3 old q6}
# DEVICE_ENTER: another wrapper for a dry run here (e.g. env)
read -ra enter <<< "${DEVICE_ENTER:-bash .device/enter.sh}"
export RECOGNIZE_DATA=$root/.device/data DENO_NO_UPDATE_CHECK=1
# npm packages travel packed (node_modules is larger than a call may carry)
if [ ! -d node_modules ] && [ -f .device/node_modules.tar.xz ]; then
  tar -xJf .device/node_modules.tar.xz
fi
step() { # name, seconds, command...
  local name=$1 limit=$2; shift 2
  echo "=== $name (limit ${limit}s)"; local t0=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1; local rc=$?
  grep -E '^\{' "$out/$name.log" > "$out/$name.jsonl" || true
  echo "=== $name: exit $rc after $((SECONDS - t0)) s"
  tail -n 4 "$out/$name.log" | cut -c1-300
  # after every step, so a call that runs out of time still brings back what was done
  [ -n "${OUT:-}" ] && tar -czf "$OUT/results.tgz" -C "$out" .
}
for s in $steps; do
  case $s in
    info) step info 60 "${enter[@]}" deno eval \
      'const i = (await navigator.gpu.requestAdapter())?.info; console.log(JSON.stringify(i && { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description }))' ;;
    tilings) step tilings ${TILINGS_LIMIT:-150} "${enter[@]}" deno task bench --device webgpu --filter sgemm --tilings all ;;
    peers) step peers 90 python3 tools/reference/torch_gpu_peers.py ;;
    bench) step bench 240 "${enter[@]}" deno task bench --device webgpu ;;
    epochs) step epochs 150 "${enter[@]}" deno task bench --device webgpu --filter epoch ;;
    submit) # the epochs with one submit per 4,096 dispatches, against the default (256)
      step submit 150 "${enter[@]}" deno task bench --device webgpu --filter epoch --submit-every 4096 ;;
    q3) step q3 90 "${enter[@]}" deno task q3 --device webgpu --skip-study --out "$out/q3" ;;
    q6) step q6 ${Q6_LIMIT:-240} "${enter[@]}" deno task q6 cnn --device webgpu --out "$out/q6" ;;
    q5) step q5 ${Q5_LIMIT:-180} "${enter[@]}" deno task q5 --device webgpu --out "$out/q5" ;;
    q5cpu) # the same training on that machine's CPU, the GPU figure's baseline
      step q5cpu ${Q5_LIMIT:-180} "${enter[@]}" deno task q5 --out "$out/q5cpu" ;;
    q4) step q4 90 "${enter[@]}" deno task q4 eval --device webgpu --out "$out/q4" ;;
    old) # the matmul kernel before the tuning, from .device/old (git archive of that commit)
      if [ -f .device/old.tar.xz ]; then
        rm -rf /tmp/old && mkdir -p /tmp/old && tar -xJf .device/old.tar.xz -C /tmp/old &&
          ln -sfn "$root/node_modules" /tmp/old/node_modules && ln -sfn "$root/.device" /tmp/old/.device
        (cd /tmp/old && step old 90 "${enter[@]}" deno task bench --device webgpu --filter sgemm)
      fi ;;
    *) echo "unknown step $s" ;;
  esac
done
echo "=== summary"
for f in "$out"/*.jsonl; do echo "--- $(basename "$f")"; cut -c1-240 "$f"; done
