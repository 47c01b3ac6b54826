package import Foundation
package import LyricaProtos
package import LyricaRPC

/// One user's feedback on one song, as stored.
package struct FeedbackState: Sendable, Equatable {
    /// overall, creativity, relevance, quality; nil where not rated.
    package var ratings: [Int?] = [nil, nil, nil, nil]
    package var comment: String?
    package var tags: [String] = []
    package var liked = false
    package var saved = false
    package var shared = false
    package var likedAt: Date?
    package var savedAt: Date?

    package init() {}

    package var overall: Int? { self.ratings[0] }

    /// What this feedback adds to a song's popularity: a like 1, an overall rating (r − 3) / 2.
    package var popularity: Double {
        (self.liked ? 1 : 0) + (self.overall.map { (Double($0) - 3) / 2 } ?? 0)
    }
}

/// A SubmitFeedback request, validated and normalised: each field is nil where the request
/// leaves the stored value as it is.
package struct FeedbackChange: Sendable {
    package static let maxCommentLength = 2_000
    package static let maxTags = 10
    package static let maxTagLength = 32
    static let ratingNames = ["overall_rating", "creativity_rating", "relevance_rating", "quality_rating"]

    /// Per rating: nil keeps it, .some(nil) withdraws it, .some(r) sets it.
    package var ratings: [Int??] = [nil, nil, nil, nil]
    package var comment: String??
    package var tags: [String]?
    package var liked: Bool?
    package var saved: Bool?
    package var shared: Bool?

    package init(_ request: Lyrica_Feedback_V1_SubmitFeedbackRequest) throws(RPCError) {
        let sent: [Int32?] = [
            request.hasOverallRating ? request.overallRating : nil, request.hasCreativityRating ? request.creativityRating : nil,
            request.hasRelevanceRating ? request.relevanceRating : nil, request.hasQualityRating ? request.qualityRating : nil,
        ]
        for (index, value) in sent.enumerated() {
            guard let value else { continue }
            guard (0...5).contains(value) else {
                throw RPCError(.invalidArgument, "\(Self.ratingNames[index]) is \(value); ratings are 1 to 5 (or 0 to withdraw the rating)")
            }
            self.ratings[index] = .some(value == 0 ? nil : Int(value))
        }
        if request.hasComment {
            let comment = request.comment.trimmingCharacters(in: .whitespacesAndNewlines)
            // Counted as PostgreSQL's char_length counts (code points), so the table's limit agrees.
            let length = comment.unicodeScalars.count
            guard length <= Self.maxCommentLength else {
                throw RPCError(.invalidArgument, "comment has \(length) characters; the most is \(Self.maxCommentLength)")
            }
            self.comment = .some(comment.isEmpty ? nil : comment)
        }
        if request.hasTags { self.tags = try Self.tags(request.tags.tags) }
        if request.hasLiked { self.liked = request.liked }
        if request.hasSaved { self.saved = request.saved }
        if request.hasShared { self.shared = request.shared }
        guard self.ratings.contains(where: { $0 != nil }) || self.comment != nil || self.tags != nil || self.liked != nil
            || self.saved != nil || self.shared != nil
        else {
            throw RPCError(.invalidArgument, "Nothing to record: send a rating, a comment, tags, liked, saved or shared")
        }
    }

    /// Lowercased, trimmed, duplicates dropped, order kept. Stops at the first tag over the
    /// limit, so a request of a million tags costs no more than eleven.
    static func tags(_ raw: [String]) throws(RPCError) -> [String] {
        var tags: [String] = []
        var seen: Set<String> = []
        for tag in raw {
            let normalised = tag.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !normalised.isEmpty else { throw RPCError(.invalidArgument, "tags cannot be empty") }
            guard normalised.count <= Self.maxTagLength else {
                throw RPCError(.invalidArgument, "The tag '\(normalised)' has \(normalised.count) characters; the most is \(Self.maxTagLength)")
            }
            guard normalised.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || " -'".unicodeScalars.contains($0) }) else {
                throw RPCError(.invalidArgument, "The tag '\(normalised)' may only hold letters, digits, spaces, '-' and '''")
            }
            guard seen.insert(normalised).inserted else { continue }
            guard tags.count < Self.maxTags else {
                throw RPCError(.invalidArgument, "More than \(Self.maxTags) different tags sent; the most is \(Self.maxTags)")
            }
            tags.append(normalised)
        }
        return tags
    }

    /// The stored feedback after this change (`current` nil for new feedback).
    package func applied(to current: FeedbackState?, at now: Date) -> FeedbackState {
        var state = current ?? FeedbackState()
        for (index, rating) in self.ratings.enumerated() { if let rating { state.ratings[index] = rating } }
        if let comment { state.comment = comment }
        if let tags { state.tags = tags }
        if let liked {
            if liked && !state.liked { state.likedAt = now }
            if !liked { state.likedAt = nil }
            state.liked = liked
        }
        if let saved {
            if saved && !state.saved { state.savedAt = now }
            if !saved { state.savedAt = nil }
            state.saved = saved
        }
        if let shared { state.shared = shared }
        return state
    }
}
