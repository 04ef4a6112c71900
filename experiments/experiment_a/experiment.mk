# experiments/experiment_a/experiment.mk — what makes experiment A what it is.
# Every variable here is a default: the environment (AIOPT_*/AIOPT_*) and the
# tools' flags override it.  Tools read this file with --experiment DIR.

# The files an edit may change (relative to the RocksDB tree).
AIOPT_TARGET_FILES ?= db/db_impl/db_impl_write.cc
# The write path the model sees: these functions, cut from the parent's file
# with their exact text (all overloads), unless the whole file fits the budget.
AIOPT_FUNCTIONS ?= DBImpl::WriteImpl DBImpl::PipelinedWriteImpl DBImpl::WriteToWAL DBImpl::ConcurrentWriteToWAL DBImpl::PreprocessWrite DBImpl::MergeBatch DBImpl::DelayWrite
# Characters of code in the prompt; the whole file when it fits.
AIOPT_PROMPT_CODE_CHARS ?= 60000
# Characters for the history of attempts from this parent, and how many.
AIOPT_PROMPT_HISTORY_CHARS ?= 4000
AIOPT_HISTORY_K ?= 4
# Best candidates shown as inspiration, and characters per diff.
AIOPT_INSPIRATION_N ?= 3
AIOPT_INSPIRATION_CHARS ?= 2500
# Profiler tracks: Coz lines (with source) and off-CPU stacks shown.
AIOPT_PROFILE_TOP ?= 5
# The workload, as the prompt describes it: the one the run screens on
# (AIOPT_BENCH_WORKLOAD), and only that one, so a held-out workload never reaches
# a prompt (the held-out measurement would otherwise be a workload the model was
# told about).
AIOPT_WORKLOAD_L0 ?= db_bench fillrandom with the WAL on, compression off, 2 MB memtables (2 of them) and L0 triggers 2/4/6: writes stall on L0 compaction.
AIOPT_WORKLOAD_SYNC ?= db_bench fillrandom with the WAL on and --sync=1 (every write synced before it is acknowledged), 4 writer threads, compression off: WAL-sync bound.
AIOPT_WORKLOAD_READHEAVY ?= db_bench fillrandom, then 90 % reads and 10 % writes on the database it left, 2 MB memtables and L0 triggers 2/4/6.
AIOPT_WORKLOAD ?= $(AIOPT_WORKLOAD_$(subst l0,L0,$(subst sync,SYNC,$(subst readheavy,READHEAVY,$(AIOPT_BENCH_WORKLOAD)))))

# ---- RocksDB stages (mk/candidate.mk) -------------------------------------------
# db_bench workload: WAL/L0 pressure.  2 MB memtables, 2 of them, L0 triggers
# 2/4/6: writes stall on L0 compaction (78.6 % of the time here).  The stats
# benchmark after fillrandom prints DB and compaction stats; --duration bounds a run.
AIOPT_BENCH_ARGS ?= --benchmarks=fillrandom,stats --num=100000000 --key_size=16 --value_size=400 --compression_type=none --write_buffer_size=2097152 --max_write_buffer_number=2 --level0_file_num_compaction_trigger=2 --level0_slowdown_writes_trigger=4 --level0_stop_writes_trigger=6 --histogram --statistics --seed=1
# The WAL-sync variant (AIOPT_BENCH_WORKLOAD=sync): fsync per write, 4 writers.
AIOPT_BENCH_ARGS_SYNC ?= --benchmarks=fillrandom,stats --num=100000000 --key_size=16 --value_size=400 --compression_type=none --sync=1 --threads=4 --histogram --statistics --seed=1
# A read-heavy mix after the write phase: 90 % reads on the database fillrandom
# left (its readrandomwriterandom result counts).  Not screened on: a held-out
# workload, like the one of l0 and sync a run was not screened on.
AIOPT_BENCH_ARGS_READHEAVY ?= --benchmarks=fillrandom,readrandomwriterandom,stats --readwritepercent=90 --num=100000000 --key_size=16 --value_size=400 --compression_type=none --write_buffer_size=2097152 --max_write_buffer_number=2 --level0_file_num_compaction_trigger=2 --level0_slowdown_writes_trigger=4 --level0_stop_writes_trigger=6 --histogram --statistics --seed=1
# The workload a run screens and confirms on: l0, sync or readheavy.
AIOPT_BENCH_WORKLOAD ?= l0
# Runs of pristine measured once per run (its baseline.json: medians, offered load).
AIOPT_BASELINE_RUNS ?= 3
AIOPT_BENCH_DURATION ?= 10
# The cpu channel (bin/stage/bench.sh cost_run): one run of this fixed work under
# Callgrind per side of every candidate, its instructions per write counted, not
# timed.  What keeps the count deterministic: one writer (no spin-waits in the
# write group), a memtable that holds every write (no flush, no compaction), no
# --statistics or --histogram (their timers feed timing-dependent code), a fixed
# seed, and the vector memtable: the skip list's node heights come from a
# generator seeded by the writing thread's id, its address, so the same binary's
# count moved by 1.7 % with the thread's stack (ulimit -s); the vector's inserts
# are appends.  It takes no concurrent inserts, hence
# --allow_concurrent_memtable_write=0: with one writer the write group is one
# writer either way, so the write path runs the same code.  About 3.5 s a side
# under the tool.  The same keys and values as the workloads.  Empty: no count
# (the cpu term unknown, so it decides nothing).
AIOPT_COST_ARGS ?= --benchmarks=fillrandom --num=20000 --threads=1 --key_size=16 --value_size=400 --compression_type=none --write_buffer_size=67108864 --disable_auto_compactions=1 --stats_dump_period_sec=0 --seed=1 --memtablerep=vector --allow_concurrent_memtable_write=0
# Instructions per write that differ by more than this share are a difference
# (score's cpu term); A/A counts differ by at most 0.027 % (tests/bench/README.md).
AIOPT_CPU_TOLERANCE ?= 0.001
# Seconds of sync-probe (512 B appended and fdatasync'd, again and again) on the
# databases' filesystem when pristine is measured: the device's sync rate, the
# bound of the sync workload the report states.
AIOPT_SYNC_PROBE_SECONDS ?= 2
# Cuts of each kind in the crash check (bin/stage/crash.sh; 0: no check, and then
# an edit that loses acknowledged writes can pass; the run records it).  After the
# gate and before the pairs, the candidate's writes, 4 threads or the workload's,
# are cut off this many times by a power cut (powercut) with --sync=1 and as many
# by kill -9 with the WAL on; pristine's build looks for every acknowledged write
# after each.
AIOPT_CRASH_CUTS ?= 20
# The longest time of writing before a cut, ms after the first acknowledged write;
# each cut's moment is drawn uniformly below it.
AIOPT_CRASH_WRITE_MS ?= 500
# Seconds the crash check of one candidate may take, both kinds together; a writer
# too slow to be cut AIOPT_CRASH_CUTS times each way within it is not checked, and
# so not valid.
AIOPT_CRASH_SECONDS ?= 60
# Latency is measured at a fixed offered load (db_bench --benchmark_write_rate_limit),
# this share of pristine's saturation throughput, the same for both sides of a pair:
# at saturation a slower write path lowers p99 (coordinated omission).
AIOPT_BENCH_OFFERED_LOAD ?= 0.75
# Seconds of readrandom on each run's database after its writes: what the writes
# cost the reads.  Reads slower by more than AIOPT_READ_GUARD (significantly) make
# a candidate worse, whatever its write figures.
AIOPT_BENCH_READ_SECONDS ?= 3
AIOPT_READ_GUARD ?= 0.10
# Pairs: score --more decides (racing); these bound it.  At least 4: with 3 pairs
# the t interval's variance estimate is too unsteady (tests/bench/noise.sh).
AIOPT_BENCH_MIN_PAIRS ?= 4
AIOPT_BENCH_MAX_PAIRS ?= 8
AIOPT_BENCH_CI_TARGET ?= 0.03
AIOPT_BENCH_SCREEN ?= 0.05
# The run's noise, measured where it runs: A/A pairs of pristine against a copy
# of itself at the start of a run (and again on a resume on another host).
AIOPT_CALIBRATION_PAIRS ?= 4
# Confirmation: a candidate that passes screening as its run's best, and the
# run's AIOPT_CONFIRM_TOP best at its end, measured again with fresh pairs, more
# of them and longer, before the report calls it better than pristine.
AIOPT_CONFIRM_PAIRS ?= 10
AIOPT_CONFIRM_DURATION ?= 20
AIOPT_CONFIRM_TOP ?= 3
# Proposals asked for at once: the next is asked for while the current candidate is
# built, tested and measured (bin/run_track.sh); 1 asks after each is archived.
AIOPT_PROPOSALS_IN_FLIGHT ?= 2
# Model calls in a row that got no completion (the server down, timeouts, HTTP
# errors after llm-mutate's own retries) before the run stops, resumably: a vLLM
# job preempted must not turn the rest of a run into failed candidates.
AIOPT_LLM_MAX_FAILURES ?= 3
# Repeats (bin/stage/apply.sh), 1: a proposal that makes an evaluated candidate's
# change again (canon-patch's form: comments, whitespace and line breaks aside) is
# archived as its duplicate, with its verdict, and not measured; 0: every proposal
# is measured.
AIOPT_DEDUP ?= 1
# The token edit distance under which a proposal is too near an evaluated candidate
# (not its ancestor): sent back to the model once, and archived as "novelty" if the
# second answer is too near as well.  0.1 merges none of the 66 pairs of distinct
# edits at hand and catches each of their renamed repeats (tests/bench/README.md).
AIOPT_NOVELTY_THRESHOLD ?= 0.1
# The smallest patch that keeps the gain: at most this many subsets of the
# confirmed best's hunks are built, tested and measured (delta debugging,
# bin/stage/minimize.sh); 0 measures none.
AIOPT_MINIMIZE_SUBSETS ?= 16
# The correctness gate: RocksDB's own tests and db_stress, run from the
# ThreadSanitizer Debug build (gate.tsv: one program and its arguments a line),
# and the time limit of each.
AIOPT_GATE ?= $(EXP_DIR)/gate.tsv
# The slowest gate program takes ~13 s here under TSan: 120 s is headroom, and a
# candidate that hangs a test (a spin on RocksDB's mocked test clock) costs 2 min.
AIOPT_TEST_TIMEOUT ?= 120
AIOPT_BUILD_TIMEOUT ?= 900
# Coz: seconds of profiling, the source scope (Coz's % wildcards), lines kept.
AIOPT_BCOZ_DURATION ?= 60
AIOPT_BCOZ_SCOPE ?= %/db/db_impl/db_impl_write.cc
AIOPT_COZ_TOP ?= 10
# Off-CPU profile (AIOPT_RUN_BPERF=1, profiler tracks): seconds recorded, and the
# threads that count — the writers, whose stacks pass through DBImpl::WriteImpl.
# Mainline perf with DWARF stacks writes ~100 MB per second of db_bench: keep it short.
AIOPT_BPERF_DURATION ?= 10
AIOPT_OFFCPU_THREAD_WITH ?= DBImpl::WriteImpl
AIOPT_OFFCPU_STACK_BYTES ?= 4096
