// Fuzz entry point for the frame decoder. With libFuzzer (see README):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
//       --product FrameDecoderFuzzer --scratch-path .build-fuzz
//   .build-fuzz/debug/FrameDecoderFuzzer -max_total_time=60
// Built normally, it replays the files named on its command line (a crash corpus, say).
import Foundation
import LyricaRPC
import NIOCore

/// Feeds `data` to the decoder in two chunks, as the network might; any throw is fine, a crash is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: start, count: count)
    let decoder = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameLength: 1024, hardCeiling: 4096))
    let split = count / 2
    for chunk in [bytes[..<split], bytes[split...]] {
        do {
            try decoder.process(buffer: ByteBuffer(bytes: chunk)) { event in
                if case .frame(let frame) = event { _ = frame.type.description }
            }
        } catch {
            return 0
        }
    }
    return 0
}

#if FUZZING
/// libFuzzer's driver; linked from the fuzzer runtime by `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM names an executable's entry point `<Module>_main`; hand control to libFuzzer there.
@_cdecl("FrameDecoderFuzzer_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, count in fuzzFrameDecoder(data, count) }
}
#else
/// Without libFuzzer (which brings its own `main`): replay the inputs named on the command line.
@main
struct FrameDecoderReplay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = data.withUnsafeBytes { raw in
                fuzzFrameDecoder(raw.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, raw.count)
            }
            print("replayed \(path)")
        }
    }
}
#endif
