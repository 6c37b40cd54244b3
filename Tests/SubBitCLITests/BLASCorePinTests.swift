import Foundation
import TestSupport
import XCTest

/// `subbit` pins OpenBLAS's kernel set by CPU class (`BLASCorePin`): with `OPENBLAS_CORETYPE`
/// unset it trains with `Haswell` on an AVX2 + FMA x86-64 CPU (whatever model OpenBLAS would have
/// picked) and `Prescott` on other x86-64; a value the user set is kept. `train` names the family.
final class BLASCorePinTests: XCTestCase {
    private func kernels(environment: [String: String]) throws -> String {
        let folder = try temporaryFolder()
        let r = try SubBitCLI.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                   "--limit", "64", "-o", folder.appendingPathComponent("m.safetensors").path],
                                  environment: environment)
        if r.status != 0, r.stderr.contains("not found") { throw XCTSkip("skipped: Fashion-MNIST is not installed (Scripts/fetch-data.sh)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        let line = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.hasPrefix("training mlp") }, r.stderr)
        return String(try XCTUnwrap(line.components(separatedBy: "kernels ").last))
    }

    func testTheCoreIsPinnedByCPUClassAndAUsersChoiceIsKept() throws {
        #if !arch(x86_64)
        throw XCTSkip("skipped: the OpenBLAS core is pinned on x86-64 only")
        #else
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        let avx2 = flags.contains("avx2") && flags.contains("fma")
        XCTAssertEqual(try kernels(environment: environment),
                       avx2 ? "avx2-fma+openblas-haswell" : "portable+openblas-prescott")
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        XCTAssertTrue(try kernels(environment: environment).hasSuffix("+openblas-prescott"))
        #endif
    }
}
