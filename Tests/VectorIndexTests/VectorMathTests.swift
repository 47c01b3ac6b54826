import Testing
import VectorIndex

@Suite("Vector math")
struct VectorMathTests {
    @Test(
        "Every dot product kernel this CPU runs equals a double-precision sum for every length and alignment",
        arguments: VectorMath.Kernel.allCases.filter(\.isSupported))
    func dotMatchesReference(kernel: VectorMath.Kernel) {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<(400 + 3) * 2).map { _ in Float.random(in: -1...1, using: &generator) }
        values.withUnsafeBufferPointer { buffer in
            for count in Array(0...70) + [383, 384, 400] {
                for offset in 0..<3 {
                    let a = buffer.baseAddress! + offset
                    let b = buffer.baseAddress! + 403 + offset
                    let reference = (0..<count).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) }
                    let dot = VectorMath.dot(a, b, count: count, using: kernel)
                    #expect(abs(Double(dot) - reference) < 1e-4, "count \(count), offset \(offset)")
                }
            }
        }
    }

    @Test("The chosen kernel is the widest this CPU runs")
    func chosenKernel() {
        let widest = VectorMath.Kernel.allCases.last(where: \.isSupported)!
        let names: [VectorMath.Kernel: String] = [.portable: "portable", .avx2FMA: "avx2-fma", .avx512: "avx512"]
        #expect(VectorMath.kernel == names[widest])
    }

    @Test("A vector scaled to unit length has norm 1; zero and non-finite vectors have none")
    func normalized() {
        let unit = VectorMath.normalized([3, 4])!
        #expect(abs(unit[0] - 0.6) < 1e-6 && abs(unit[1] - 0.8) < 1e-6)
        #expect(VectorMath.normalized([0, 0]) == nil)
        #expect(VectorMath.normalized([.nan, 1]) == nil)
    }
}
