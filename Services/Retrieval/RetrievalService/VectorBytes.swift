package import NIOCore

/// Vectors as stored in PostgreSQL and Redis: float32, little-endian, nothing else.
package enum VectorBytes {
    package static func bytes(_ vector: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    package static func vector(_ bytes: some Collection<UInt8>) -> [Float] {
        var vector: [Float] = []
        vector.reserveCapacity(bytes.count / 4)
        var bits: UInt32 = 0
        for (offset, byte) in bytes.enumerated() {
            bits |= UInt32(byte) << (8 * UInt32(offset % 4))
            if offset % 4 == 3 {
                vector.append(Float(bitPattern: bits))
                bits = 0
            }
        }
        return vector
    }

    package static func buffer(_ vector: [Float]) -> ByteBuffer {
        ByteBuffer(bytes: Self.bytes(vector))
    }

    package static func vector(_ buffer: ByteBuffer) -> [Float] {
        buffer.withUnsafeReadableBytes { Self.vector($0) }
    }
}
