// The entry point shared by the fuzz targets. Built with -DFUZZING (and -sanitize=fuzzer,address),
// it hands control to libFuzzer's driver: SwiftPM links an executable's own entry point as `main`,
// so libFuzzer's main is not used. Built normally, it replays the files given as arguments through
// the same callback (the regression fixtures).
import Foundation

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: FuzzCallback) -> CInt
#endif

public func fuzzMain(_ callback: FuzzCallback) throws {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    #else
    for path in CommandLine.arguments.dropFirst() {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = data.withUnsafeBytes { callback($0.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, data.count) }
        print("ok \(path)")
    }
    #endif
}
