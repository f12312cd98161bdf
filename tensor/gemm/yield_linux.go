package gemm

import "syscall"

// osYield gives up the thread's core to any other runnable thread (sched_yield).
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
