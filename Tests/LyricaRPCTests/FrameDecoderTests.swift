import LyricaRPC
import NIOCore
import NIOTestUtils
import Testing

@Suite("Frame decoder")
struct FrameDecoderTests {
    private func encoded(_ frames: [Frame]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeFrame(frame) }
        return buffer
    }

    @Test("Frames round-trip through the encoder and decoder, whatever the chunking")
    func framesRoundTrip() throws {
        let frames = [
            Frame(type: .open, callID: 1, body: ByteBuffer(string: "open")),
            Frame(type: .message, flags: .endStream, callID: 1, body: ByteBuffer(string: "hello")),
            Frame(type: .cancel, callID: 7),
            Frame(type: .ping, flags: .ack, callID: 0, body: ByteBuffer(integer: UInt64(42))),
        ]
        let pairs = [(encoded(frames), frames.map { FrameEvent.frame($0) })]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(maxFrameLength: 1024, hardCeiling: 4096)
        }
    }

    @Test("A length over the hard ceiling is an error before any body is read")
    func lengthOverCeilingFailsEarly() throws {
        var decoder = FrameDecoder(maxFrameLength: 100, hardCeiling: 1000)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(1_000_000))  // just the prefix: no body sent at all
        #expect(throws: FrameDecodingError.lengthOverCeiling(length: 1_000_000, ceiling: 1000)) {
            try decoder.decode(buffer: &buffer)
        }
    }

    @Test("A length shorter than the frame header is an error")
    func lengthUnderHeaderFails() throws {
        var decoder = FrameDecoder(maxFrameLength: 100, hardCeiling: 1000)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(3))
        buffer.writeBytes([1, 2, 3])
        #expect(throws: FrameDecodingError.lengthUnderHeader(length: 3)) { try decoder.decode(buffer: &buffer) }
    }

    @Test("A frame over the limit but under the ceiling is reported and its body skipped")
    func oversizedFrameIsSkipped() throws {
        var decoder = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameLength: 16, hardCeiling: 1024))
        var events: [FrameEvent] = []
        let big = Frame(type: .message, callID: 3, body: ByteBuffer(repeating: 7, count: 500))
        let next = Frame(type: .cancel, callID: 3)
        let bytes = encoded([big, next])
        // Feed in small chunks, as a slow network would.
        var offset = 0
        while offset < bytes.readableBytes {
            let chunk = bytes.getSlice(at: offset, length: min(37, bytes.readableBytes - offset))!
            try decoder.process(buffer: chunk) { events.append($0) }
            offset += 37
        }
        #expect(events == [.oversized(type: .message, callID: 3, length: 506), .frame(next)])
    }

    @Test("An unknown frame type still decodes, so the server can name it")
    func unknownTypeDecodes() throws {
        var decoder = FrameDecoder(maxFrameLength: 100, hardCeiling: 1000)
        var buffer = encoded([Frame(type: FrameType(rawValue: 99), callID: 0)])
        let event = try decoder.decode(buffer: &buffer)
        #expect(event == .frame(Frame(type: FrameType(rawValue: 99), callID: 0)))
    }
}
