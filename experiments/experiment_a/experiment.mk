# experiments/experiment_a/experiment.mk — what makes experiment A what it is.
# Every variable here is a default: the environment (AI_OPT_*/AIOPT_*) and the
# tools' flags override it.  Tools read this file with --experiment DIR.

# The files an edit may change (relative to the RocksDB tree).
AI_OPT_TARGET_FILES ?= db/db_impl/db_impl_write.cc
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
# The workload, as the prompt describes it.
AIOPT_WORKLOAD ?= db_bench fillrandom with the WAL on, compression off, 2 MB memtables and L0 triggers 2/4/6 (writes stall on L0 compaction), and a variant with --sync=1 and 4 threads (WAL-sync bound).
