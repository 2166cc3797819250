#!/bin/bash
# The cost benchmarks of issue 18, before and after, in one sitting (run it alone on the machine, as root):
#   [BEFORE_NODE_ARGS=...] bash bench/before-after.sh /path/to/before-checkout [OUT_DIR]
# The before checkout is another clone/worktree of this repository, built (`bash scripts/build.sh`) at the commit to
# compare against. Each bench runs from that checkout (its own code) or with --cli pointing at its CLI, then from
# this one; outputs go to OUT_DIR (default a new temp directory), one file per run, and a log with times and loads.
set -u
B=$(realpath "$1"); A=$(realpath "$(dirname "$0")/.."); Q=${2:-$(mktemp -d /tmp/lumen-before-after-XXXXXX)}
mkdir -p "$Q"
run() { local name=$1 dir=$2; shift 2; echo "== $(date -u +%T) $name: $*" | tee -a "$Q/log.txt"; (cd "$dir" && "$@") > "$Q/$name.txt" 2>&1; echo "   rc=$? $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$Q/log.txt"; }
# Node options of the before CLI's agent, as its own `npm start` ran it: BEFORE_NODE_ARGS=--max-semi-space-size=16 for
# checkouts before 943df6f (V8's default young generation); later ones have npm start's --max-semi-space-size=8 already.
OLD_NODE=${BEFORE_NODE_ARGS:+--node-args=$BEFORE_NODE_ARGS}
# compare-sdk before = this checkout's server, sink and wrk with the before CLI (the sink changed in session 6).
run csdk-before "$A" node --import tsx bench/compare-sdk/run.ts --seconds 8 --rounds 2 --modes bare,Lumen --cli "$B/bin/lumen.js" $OLD_NODE
run csdk-after "$A" node --import tsx bench/compare-sdk/run.ts --seconds 8 --rounds 2 --modes "bare,OTel Node SDK,Lumen,Lumen adaptive" --write-docs
run probe-cost "$A" node --import tsx bench/overhead/probe-cost.ts --port 20650 --rounds 1 --seconds 6 \
  --modes none,idle,floor0,floor1,floor2,probes,agent,agent-metrics,stats,stats-b,agent+stats,agent-metrics+stats --object-b "$B/build/bpf/kernel_socket.bpf.o"
run agent-cost-before "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines default,otlp,metrics --cli "$B/bin/lumen.js" $OLD_NODE
run agent-cost-after "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines default,otlp,metrics
for i in 1 2; do
  run "otlp-before-$i" "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines otlp,default --no-startup --cli "$B/bin/lumen.js" $OLD_NODE
  run "otlp-after-$i" "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines otlp,default --no-startup
done
# A starved agent (SCHED_IDLE beside a saturating load): the RSS of a lagging agent (session 6's queue flush).
run starved-before "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines default,default --no-startup --agent-wrap "chrt --idle 0" --cli "$B/bin/lumen.js" $OLD_NODE
run starved-after "$A" node --import tsx bench/agent-cost/run.ts --seconds 8 --pipelines default,default --no-startup --agent-wrap "chrt --idle 0"
run sampling "$A" node --import tsx bench/agent-cost/sampling.ts --seconds 6 --rounds 2 --modes none,user,kernel,both-user,both-kernel
run probe-cost2 "$A" node --import tsx bench/overhead/probe-cost.ts --port 20650 --rounds 2 --seconds 6 --modes none,floor1,agent,agent-metrics
echo "== done $(date -u +%T): $Q" | tee -a "$Q/log.txt"
