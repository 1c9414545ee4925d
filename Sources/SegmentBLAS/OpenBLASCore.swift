import Foundation
import COpenBLAS

/// Which OpenBLAS kernel set ("core") to ask for.
///
/// Debian bookworm's OpenBLAS 0.3.21 does not know recent CPU models (e.g. Intel family 6 model 207)
/// and falls back to `Prescott`, its SSE3 kernels: on an AVX-512 machine `dgemm_kernel_PRESCOTT` was
/// ~28% of a run's cycles, and `OPENBLAS_CORETYPE=SkylakeX` halved the PCA stage. OpenBLAS reads the
/// variable only when the library loads, so the choice is made at start-up and the process re-runs
/// itself once with the variable set. A value the user set is always respected.
public enum OpenBLASCoreChoice {
    /// The strength of a kernel set: 1 for the SSE-era cores OpenBLAS falls back to, 2 for AVX,
    /// 3 for AVX2/FMA, 4 for AVX-512.
    static func strength(_ core: String) -> Int {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 4
        case "haswell", "zen", "skylake": return 3
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 2
        default: return 1
        }
    }

    /// The best core these CPU flags run (`/proc/cpuinfo`'s `flags`), or nil when none beats SSE.
    static func best(flags: Set<String>) -> String? {
        if ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The core to ask for: only when OpenBLAS fell back to an SSE-era core on a CPU that runs a
    /// better one, and the user has not chosen. (A non-fallback choice such as `Haswell` on an AVX-512
    /// CPU is left alone: it is OpenBLAS's own decision for a CPU it knows.)
    public static func decide(chosen: String, flags: Set<String>, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, strength(chosen) == 1 else { return nil }
        return best(flags: flags)
    }

    /// This CPU's flags, from `/proc/cpuinfo` (empty where it cannot be read).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The variable that tells the re-run process what OpenBLAS had chosen on its own.
    static let fallbackVariable = "SEGMENT_OPENBLAS_FALLBACK"

    /// When OpenBLAS fell back to a weak core on a CPU that runs a better one, re-runs this process
    /// with `OPENBLAS_CORETYPE` set (once: the variable is then set). For the executables only; a
    /// library user decides for their own process. Returns normally when nothing is to be done or
    /// the re-run is not possible.
    public static func selectBetterCoreIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        // SEGMENT_TEST_OPENBLAS_CHOSEN pretends OpenBLAS chose that core: the only way to exercise
        // the re-run on a CPU OpenBLAS knows (the tests use it).
        let chosen = environment["SEGMENT_TEST_OPENBLAS_CHOSEN"] ?? OpenBLASBackend.coreName
        guard let better = decide(chosen: chosen, flags: cpuFlags(), environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        setenv(fallbackVariable, chosen, 1)
        // The C door: execv with this process's own arguments.
        let argv = CommandLine.unsafeArgv
        execv("/proc/self/exe", argv)
        // execv returned: it failed; carry on with OpenBLAS's own choice.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(fallbackVariable)
    }

    /// For `backendDetails`: what OpenBLAS chose itself, when segment asked for another core.
    static var replacedFallback: String? { ProcessInfo.processInfo.environment[fallbackVariable] }
}
