import Foundation
import LyricaProtos
import LyricaRPC
import VectorIndex

/// A Search request checked: a query (text, or a vector normalised to unit length), k, ef, the
/// filter and what to include. Every bad value is INVALID_ARGUMENT saying what would be right.
struct SearchQuery: Sendable {
    enum Input: Sendable {
        case text(String)
        case vector([Float])
    }

    enum Field: Sendable {
        case chunkText, document, documentContent, embedding
    }

    var input: Input
    var k: Int
    var ef: Int?
    var filter: SearchFilter?
    var include: Set<Field>

    static let maxK = 100
    static let maxEf = 1_000
    static let maxTextBytes = 64 * 1024

    init(_ request: Lyrica_Retrieval_V1_SearchRequest, dimension: Int) throws(RPCError) {
        switch request.query {
        case .text(let text)?:
            guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
                throw RPCError(.invalidArgument, "query text is empty: give some words to search for")
            }
            guard text.utf8.count <= Self.maxTextBytes else {
                throw RPCError(.invalidArgument, "query text is \(text.utf8.count) bytes; the limit is \(Self.maxTextBytes)")
            }
            self.input = .text(text)
        case .vector(let vector)?:
            let values = vector.values
            guard values.count == dimension else {
                throw RPCError(.invalidArgument, "query vector has \(values.count) dimensions; this index has \(dimension)")
            }
            guard values.allSatisfy(\.isFinite) else {
                throw RPCError(.invalidArgument, "query vector holds NaN or infinity; every value must be a finite number")
            }
            guard let unit = VectorMath.normalized(Array(values)) else {
                throw RPCError(.invalidArgument, "query vector is all zeros: it has no direction to compare by cosine")
            }
            self.input = .vector(unit)
        case nil:
            throw RPCError(.invalidArgument, "a query is required: set text (to embed) or vector")
        }
        guard (0...Int32(Self.maxK)).contains(request.k) else {
            throw RPCError(.invalidArgument, "k must be 1 to \(Self.maxK) (0 for the default of 10), not \(request.k)")
        }
        self.k = request.k == 0 ? 10 : Int(request.k)
        if request.ef != 0 {
            guard (self.k...Self.maxEf).contains(Int(request.ef)) else {
                throw RPCError(.invalidArgument, "ef must be from k (\(self.k)) to \(Self.maxEf), or 0 for the index's default; not \(request.ef)")
            }
            self.ef = Int(request.ef)
        }
        self.filter = try SearchFilter(request.hasFilter ? request.filter : nil)
        var include: Set<Field> = []
        for field in request.include {
            switch field {
            case .chunkText: include.insert(.chunkText)
            case .document: include.insert(.document)
            case .documentContent: include.insert(.documentContent)
            case .embedding: include.insert(.embedding)
            case .unspecified, .UNRECOGNIZED:
                throw RPCError(.invalidArgument, "include holds an unknown field; use CHUNK_TEXT, DOCUMENT, DOCUMENT_CONTENT or EMBEDDING")
            }
        }
        self.include = include.isEmpty ? [.chunkText, .document] : include
    }
}
