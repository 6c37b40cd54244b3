#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// One OpenBLAS kernel set per CPU class, so that the same seed trains the same bits on every
/// x86-64 machine of that class, not only on machines whose CPU model OpenBLAS happens to know.
///
/// OpenBLAS (a `DYNAMIC_ARCH` build such as Debian's) picks its kernels from the CPU model when
/// the library loads. Its picks differ between CPUs that run the same instructions — `Cooperlake`
/// on one AVX-512 Xeon, and `Prescott` (SSE3, 2× slower on LeNet-5) on a newer Xeon that its
/// 0.3.21 does not recognise — and different kernels sum in different orders, so trained weights
/// differ in their last bits. `subbit` therefore asks for `Haswell` (AVX2 + FMA; it runs on every
/// CPU that SubBit's own AVX2 kernels run on, Intel since 2013 and AMD Zen) or `Prescott` (any
/// other x86-64) through `OPENBLAS_CORETYPE`, which OpenBLAS reads only when it loads: the first
/// thing `subbit` does is set it and execute itself again. An `OPENBLAS_CORETYPE` the user set is
/// kept (and recorded, like every core, in the kernel family). Other architectures are left alone.
///
/// ```swift
/// BLASCorePin.reexecuteIfNeeded()   // first line of main; returns when the core is already pinned
/// ```
///
/// Measured on a 2-core Sapphire Rapids VM (`subbit bench train`, images/s, two alternating
/// rounds): LeNet-5 Prescott 6.8–10.3 k, Haswell 11.9–12.2 k, Cooperlake 14.2–15.7 k; ResNet-20
/// (SubBit's own kernels) the same under all three.
public enum BLASCorePin {
    /// The environment variable OpenBLAS reads at load time.
    public static let variable = "OPENBLAS_CORETYPE"

    /// The core SubBit pins on this CPU, or nil where it leaves OpenBLAS's choice alone.
    public static var pinnedCore: String? {
        #if arch(x86_64)
        return subbit_conv3x3_available() != 0 ? "Haswell" : "Prescott"
        #else
        return nil
        #endif
    }

    /// Sets `OPENBLAS_CORETYPE` to `pinnedCore` and replaces this process by a fresh run of the
    /// same executable with the same arguments, unless the variable is already set (by an earlier
    /// pass or by the user) or nothing is pinned here. Returns only when no re-execution happened
    /// (including when `execv` fails; the process then keeps OpenBLAS's own pick, which its kernel
    /// family records).
    public static func reexecuteIfNeeded() {
        #if os(Linux)
        guard getenv(variable) == nil, let core = pinnedCore else { return }
        setenv(variable, core, 1)
        _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }
}
