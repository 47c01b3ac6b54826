public import NIOCore
public import SwiftProtobuf

// Lets SwiftProtobuf read messages straight from frame slices and write them straight into
// buffers that become frame bodies: no intermediate `[UInt8]` on the hot path.
extension ByteBuffer: @retroactive SwiftProtobufContiguousBytes {
    // `init(repeating:count:)` comes with NIO.

    public init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        self = ByteBufferAllocator().buffer(bytes: sequence)
    }

    public var count: Int { self.readableBytes }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeReadableBytes(body)
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeMutableReadableBytes(body)
    }
}

extension SwiftProtobuf.Message {
    /// Decodes a message from a frame body; bad bytes are the caller's fault, so `invalidArgument`.
    package init(frameBody: ByteBuffer) throws(RPCError) {
        do {
            self = try Self(serializedBytes: frameBody)
        } catch {
            throw RPCError(.invalidArgument, "The message is not a valid \(Self.protoMessageName): \(error)")
        }
    }

    /// Encodes a message as a frame body.
    package func frameBody() throws(RPCError) -> ByteBuffer {
        do {
            return try self.serializedBytes()
        } catch {
            throw RPCError(.internalError, "Could not encode \(Self.protoMessageName): \(error)")
        }
    }
}
