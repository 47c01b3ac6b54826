import CVectorKernels

/// Distance kernels over contiguous `Float` storage. The dot product is C picked at load time for
/// the CPU (AVX-512, AVX2 with FMA, or portable): Swift's SIMD types compile for the baseline
/// x86-64 target, without FMA or 512-bit registers, which made the index about half as fast.
package enum VectorMath {
    /// The dot product of `count` floats at `a` and `b`.
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        lyrica_dot(a, b, count)
    }

    /// Starts loading a vector into cache ahead of its distance.
    @inline(__always)
    package static func prefetch(_ vector: UnsafePointer<Float>) {
        lyrica_prefetch_vector(vector)
    }

    /// Which kernel `dot` runs on this machine ("avx512", "avx2-fma" or "portable").
    package static var kernel: String { String(cString: lyrica_dot_kernel()) }

    /// The dot product kernels, for checking each one the CPU can run.
    package enum Kernel: CaseIterable, Sendable {
        case portable, avx2FMA, avx512

        var kind: lyrica_dot_kind {
            switch self {
            case .portable: LYRICA_DOT_PORTABLE
            case .avx2FMA: LYRICA_DOT_AVX2_FMA
            case .avx512: LYRICA_DOT_AVX512
            }
        }

        package var isSupported: Bool { lyrica_dot_supported(self.kind) != 0 }
    }

    /// `dot` with one particular kernel (which must be supported).
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, using kernel: Kernel) -> Float {
        precondition(kernel.isSupported, "this CPU cannot run the \(kernel) kernel")
        return lyrica_dot_with(kernel.kind, a, b, count)
    }

    /// Scales `vector` to unit length; nil for a zero vector or one holding NaN or infinity.
    package static func normalized(_ vector: [Float]) -> [Float]? {
        guard vector.allSatisfy(\.isFinite) else { return nil }
        let norm = vector.withUnsafeBufferPointer { dot($0.baseAddress!, $0.baseAddress!, count: $0.count) }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}
