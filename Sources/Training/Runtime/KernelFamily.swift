import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The arithmetic that can change a training's bits on a given CPU: SubBit's own convolution
/// kernels (AVX2 + FMA, or the portable Swift/BLAS paths) and the OpenBLAS kernel set (its
/// "core"; `subbit` pins `Haswell` on AVX2 + FMA CPUs and `Prescott` on other x86-64, see
/// `BLASCorePin`). Two machines with
/// the same family train bit-identical weights from the same seed, whatever their thread counts;
/// across families the last bits may differ. Recorded in training keys and in `runs.csv`
/// (`kernels`).
///
/// ```swift
/// print(KernelFamily.current)   // "avx2-fma+openblas-haswell" on any AVX2 + FMA machine
/// ```
public enum KernelFamily {
    /// This process's family, e.g. `avx2-fma+openblas-haswell` or `portable+openblas-prescott`.
    public static let current: String = {
        let own = DirectConvolution.isAvailable ? "avx2-fma" : "portable"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        return own + "+openblas-" + core.lowercased().replacingOccurrences(of: " ", with: "-")
    }()
}

/// How many CPUs this process was given: the thread budget of `subbit train`, `run` and
/// `reproduce` when `--threads` / `--cores` is not given. Results never depend on it.
///
/// ```swift
/// let threads = CPUBudget.available   // 2 on a 2-core machine; 4 under `srun -c 4` on a 64-core node
/// ```
public enum CPUBudget {
    /// `SLURM_CPUS_PER_TASK` when Slurm set it, else the CPUs in the process's affinity mask
    /// (`taskset`, cgroup cpusets), else the online CPUs; at least 1.
    public static var available: Int {
        available(slurmCPUsPerTask: getenv("SLURM_CPUS_PER_TASK").map { String(cString: $0) })
    }

    /// `available`, given the value of `SLURM_CPUS_PER_TASK` (nil when unset).
    public static func available(slurmCPUsPerTask: String?) -> Int {
        if let slurm = slurmCPUsPerTask.flatMap(Int.init), slurm >= 1 { return slurm }
        return affinityCount() ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// The number of CPUs in this process's affinity mask, or nil where it cannot be read.
    static func affinityCount() -> Int? {
        let count = Int(subbit_affinity_cpu_count())
        return count >= 1 ? count : nil
    }
}
