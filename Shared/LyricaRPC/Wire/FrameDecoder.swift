package import NIOCore

/// What the decoder hands on: a whole frame, or the header of one too large to accept, whose body
/// it skips without buffering so that the call alone can be refused.
package enum FrameEvent: Sendable, Equatable {
    case frame(Frame)
    case oversized(type: FrameType, callID: UInt32, length: Int)
}

/// Why the byte stream could not be read as frames; the connection is closed with GOAWAY.
package enum FrameDecodingError: Error, Equatable, CustomStringConvertible {
    /// The length prefix is larger than the hard ceiling: read before any body is buffered.
    case lengthOverCeiling(length: Int, ceiling: Int)
    /// The length prefix is smaller than the fixed frame header.
    case lengthUnderHeader(length: Int)

    package var description: String {
        switch self {
        case .lengthOverCeiling(let length, let ceiling):
            "frame length \(length) is over the hard ceiling of \(ceiling) bytes"
        case .lengthUnderHeader(let length):
            "frame length \(length) is shorter than the \(Frame.headerLength)-byte frame header"
        }
    }
}

/// Splits a byte stream into frames: a big-endian `UInt32` length, then that many bytes, of which
/// the first six are the frame header.
///
/// Frames longer than `maxFrameLength` (but within `hardCeiling`) are reported as `.oversized`
/// and their bodies discarded as they arrive; a length over `hardCeiling` is an error before a
/// single body byte is buffered.
package struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = FrameEvent

    private let maxFrameLength: Int
    private let hardCeiling: Int
    /// Bytes of an oversized frame still to discard.
    private var bytesToSkip = 0

    /// - Parameters:
    ///   - maxFrameLength: the largest frame (header and body) accepted; larger ones are refused per call.
    ///   - hardCeiling: the largest length prefix tolerated at all; must be at least `maxFrameLength`.
    package init(maxFrameLength: Int, hardCeiling: Int) {
        precondition(hardCeiling >= maxFrameLength, "the hard ceiling must not be below the frame limit")
        self.maxFrameLength = maxFrameLength
        self.hardCeiling = hardCeiling
    }

    package mutating func decode(buffer: inout ByteBuffer) throws -> FrameEvent? {
        while self.bytesToSkip > 0 {
            let skipped = min(self.bytesToSkip, buffer.readableBytes)
            guard skipped > 0 else { return nil }
            buffer.moveReaderIndex(forwardBy: skipped)
            self.bytesToSkip -= skipped
        }
        guard let rawLength = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let length = Int(rawLength)
        guard length >= Frame.headerLength else { throw FrameDecodingError.lengthUnderHeader(length: length) }
        // Reject before buffering the body, so a hostile header cannot pin memory.
        guard length <= self.hardCeiling else {
            throw FrameDecodingError.lengthOverCeiling(length: length, ceiling: self.hardCeiling)
        }
        if length > self.maxFrameLength {
            // Wait only for the fixed header, then drop the body as it streams in.
            guard buffer.readableBytes >= Frame.prefixLength + Frame.headerLength else { return nil }
            let type = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self)!
            let callID = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt32.self)!
            buffer.moveReaderIndex(forwardBy: Frame.prefixLength + Frame.headerLength)
            self.bytesToSkip = length - Frame.headerLength
            let skipped = min(self.bytesToSkip, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            self.bytesToSkip -= skipped
            return .oversized(type: FrameType(rawValue: type), callID: callID, length: length)
        }
        guard buffer.readableBytes >= Frame.prefixLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.prefixLength)
        let type = buffer.readInteger(as: UInt8.self)!
        let flags = buffer.readInteger(as: UInt8.self)!
        let callID = buffer.readInteger(as: UInt32.self)!
        let body = buffer.readSlice(length: length - Frame.headerLength)!
        return .frame(Frame(type: FrameType(rawValue: type), flags: FrameFlags(rawValue: flags), callID: callID, body: body))
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> FrameEvent? {
        try self.decode(buffer: &buffer)
    }
}
