import Foundation
import LyricaProtos
import SwiftProtobuf
import Verse

// What agent_logs keep of each step's input and output, as JSON.

struct ResearchState: Encodable {
    var passages: Int
    var imagery: [String]
}

struct CritiqueState: Encodable {
    var critique: Critique
    var coherence: Double
}

/// The generation parameters saved with the song (lyrics' generation_params).
struct ParamsState: Encodable {
    var seed: String
    var genre: String
    var mood: String
    var structure: [String]
    var rhymeSchemes: [String]
    var syllables: [Int]
    var creativity: Double
    var iterations: Int
    var generationID: String

    init(plan: SongPlan, iterations: Int, generationID: UUID) {
        self.seed = String(plan.seed)
        self.genre = plan.genre
        self.mood = plan.mood
        self.structure = plan.sections.map(\.type)
        self.rhymeSchemes = plan.sections.map(\.rhymeScheme)
        self.syllables = plan.sections.map { $0.syllables.first ?? 0 }
        self.creativity = plan.creativity
        self.iterations = iterations
        self.generationID = generationID.uuidString.lowercased()
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
