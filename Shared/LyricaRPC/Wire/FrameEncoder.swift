package import NIOCore

extension ByteBuffer {
    /// Appends one frame: length prefix, header, body.
    package mutating func writeFrame(_ frame: Frame) {
        self.writeFrame(type: frame.type, flags: frame.flags, callID: frame.callID, body: frame.body)
    }

    /// Appends one frame without building a `Frame` first.
    package mutating func writeFrame(type: FrameType, flags: FrameFlags = [], callID: UInt32, body: ByteBuffer) {
        self.reserveCapacity(minimumWritableBytes: Frame.prefixLength + Frame.headerLength + body.readableBytes)
        self.writeInteger(UInt32(Frame.headerLength + body.readableBytes))
        self.writeInteger(type.rawValue)
        self.writeInteger(flags.rawValue)
        self.writeInteger(callID)
        self.writeImmutableBuffer(body)
    }

    /// Appends a frame whose body is written in place by `body`, sparing a copy.
    package mutating func writeFrame(
        type: FrameType, flags: FrameFlags = [], callID: UInt32, body: (inout ByteBuffer) throws -> Void
    ) rethrows {
        let start = self.writerIndex
        self.writeInteger(UInt32(0))
        self.writeInteger(type.rawValue)
        self.writeInteger(flags.rawValue)
        self.writeInteger(callID)
        try body(&self)
        self.setInteger(UInt32(self.writerIndex - start - Frame.prefixLength), at: start)
    }
}
