/// Distance kernels over contiguous `Float` storage, 16 lanes at a time (SIMD16 maps to AVX-512
/// or two AVX registers), then 4, then one by one for any tail.
package enum VectorMath {
    /// The dot product of `count` floats at `a` and `b`.
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum16 = SIMD16<Float>()
        var index = 0
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        while index + 16 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
            let y = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
            sum16 += x * y
            index += 16
        }
        var sum4 = SIMD4<Float>()
        while index + 4 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD4<Float>.self)
            let y = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD4<Float>.self)
            sum4 += x * y
            index += 4
        }
        var sum = sum16.sum() + sum4.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// Scales `vector` to unit length; nil for a zero vector or one holding NaN or infinity.
    package static func normalized(_ vector: [Float]) -> [Float]? {
        guard vector.allSatisfy(\.isFinite) else { return nil }
        let norm = vector.withUnsafeBufferPointer { dot($0.baseAddress!, $0.baseAddress!, count: $0.count) }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}
