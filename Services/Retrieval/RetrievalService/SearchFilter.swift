import Foundation
package import LyricaProtos
package import LyricaRPC
package import PostgresNIO
package import VectorIndex

/// A checked `Filter`: known fields, values of the field's kind, bounded size. It becomes a
/// metadata filter for the index (searches) or a parameterised WHERE clause (document lists).
package struct SearchFilter: Sendable, Equatable {
    package var condition: MetadataFilter

    /// Field name → whether it holds numbers; the names are the index's metadata keys.
    package static let fields: [String: Bool] = [
        "genre": false, "mood": false, "theme": false, "artist": false, "language": false, "tags": false, "source": false,
        "document_id": false, "year": true, "word_count": true, "chunk_index": true,
    ]
    /// Stored lower-cased, so compared lower-cased.
    static let lowercased: Set<String> = ["genre", "mood", "theme", "tags"]
    static let maxConditions = 64
    static let maxDepth = 8

    /// nil when the request has no filter.
    package init?(_ filter: Lyrica_Retrieval_V1_Filter?, forDocuments: Bool = false) throws(RPCError) {
        guard let filter, filter.kind != nil else { return nil }
        var budget = Self.maxConditions
        self.condition = try Self.condition(filter, depth: 1, budget: &budget, forDocuments: forDocuments)
    }

    private static func condition(
        _ filter: Lyrica_Retrieval_V1_Filter, depth: Int, budget: inout Int, forDocuments: Bool
    ) throws(RPCError) -> MetadataFilter {
        guard depth <= Self.maxDepth else { throw RPCError(.invalidArgument, "filter nests deeper than \(Self.maxDepth) levels") }
        budget -= 1
        guard budget >= 0 else { throw RPCError(.invalidArgument, "filter has more than \(Self.maxConditions) conditions") }
        func list(_ filters: [Lyrica_Retrieval_V1_Filter], budget: inout Int) throws(RPCError) -> [MetadataFilter] {
            var result: [MetadataFilter] = []
            for inner in filters { result.append(try Self.condition(inner, depth: depth + 1, budget: &budget, forDocuments: forDocuments)) }
            return result
        }
        switch filter.kind {
        case .equals(let equals)?:
            let field = try Self.field(equals.field, forDocuments: forDocuments)
            return .equals(field, try Self.value(equals.value, field: field))
        case .in(let membership)?:
            let field = try Self.field(membership.field, forDocuments: forDocuments)
            guard !membership.values.isEmpty, membership.values.count <= 256 else {
                throw RPCError(.invalidArgument, "filter 'in' on \(field) needs 1 to 256 values, not \(membership.values.count)")
            }
            var values: [MetadataValue] = []
            for value in membership.values { values.append(try Self.value(value, field: field)) }
            return .oneOf(field, values)
        case .range(let range)?:
            let field = try Self.field(range.field, forDocuments: forDocuments)
            guard Self.fields[field] == true else {
                throw RPCError(.invalidArgument, "filter range needs a number field (year, word_count, chunk_index), not \(field)")
            }
            let low = range.hasMin ? range.min : nil
            let high = range.hasMax ? range.max : nil
            guard low.map(\.isFinite) ?? true, high.map(\.isFinite) ?? true else {
                throw RPCError(.invalidArgument, "filter range bounds on \(field) must be finite numbers")
            }
            if let low, let high, low > high { throw RPCError(.invalidArgument, "filter range on \(field) has min \(low) above max \(high)") }
            return .range(field, min: low, max: high)
        case .all(let all)?: return .all(try list(all.filters, budget: &budget))
        case .any(let any)?: return .any(try list(any.filters, budget: &budget))
        case .not(let inner)?:
            guard inner.kind != nil else { throw RPCError(.invalidArgument, "filter 'not' needs a filter inside") }
            return .not(try Self.condition(inner, depth: depth + 1, budget: &budget, forDocuments: forDocuments))
        case nil: throw RPCError(.invalidArgument, "a filter inside all/any/not is empty: set equals, in, range, all, any or not")
        }
    }

    private static func field(_ name: String, forDocuments: Bool) throws(RPCError) -> String {
        let known = Self.fields.keys.filter { !(forDocuments && $0 == "chunk_index") }.sorted()
        guard known.contains(name) else {
            throw RPCError(.invalidArgument, "filter field '\(name.prefix(40))' is unknown; use one of \(known.joined(separator: ", "))")
        }
        return name
    }

    private static func value(_ value: Lyrica_Retrieval_V1_Value, field: String) throws(RPCError) -> MetadataValue {
        let numeric = Self.fields[field] == true
        switch value.kind {
        case .text(let text)? where !numeric:
            if field == "document_id" {
                guard let id = UUID(uuidString: text) else { throw RPCError(.invalidArgument, "filter on document_id needs a UUID, not '\(text.prefix(40))'") }
                return .text(id.uuidString.lowercased())
            }
            return .text(Self.lowercased.contains(field) ? text.lowercased() : text)
        case .number(let number)? where numeric:
            guard number.isFinite else { throw RPCError(.invalidArgument, "filter on \(field) needs a finite number") }
            return .number(number)
        default:
            throw RPCError(.invalidArgument, "filter on \(field) needs a \(numeric ? "number" : "text") value")
        }
    }
}

extension SearchFilter {
    /// The condition as SQL over `retrieval.documents` (no alias), values bound as parameters.
    package func sql(binding bindings: inout PostgresBindings) -> String {
        Self.sql(self.condition, &bindings)
    }

    private static func sql(_ condition: MetadataFilter, _ bindings: inout PostgresBindings) -> String {
        func bind(_ value: MetadataValue) -> String {
            switch value {
            case .text(let text): bindings.append(text)
            case .number(let number): bindings.append(number)
            }
            return "$\(bindings.count)"
        }
        switch condition {
        case .equals(let field, let value):
            return Self.test(field, [value], bind)
        case .oneOf(let field, let values):
            return Self.test(field, values, bind)
        case .range(let field, let low, let high):
            var parts: [String] = []
            if let low { parts.append("\(field) >= \(bind(.number(low)))::float8") }
            if let high { parts.append("\(field) <= \(bind(.number(high)))::float8") }
            return parts.isEmpty ? "\(field) IS NOT NULL" : "COALESCE(\(parts.joined(separator: " AND ")), false)"
        case .all(let conditions):
            return conditions.isEmpty ? "true" : "(" + conditions.map { Self.sql($0, &bindings) }.joined(separator: " AND ") + ")"
        case .any(let conditions):
            return conditions.isEmpty ? "false" : "(" + conditions.map { Self.sql($0, &bindings) }.joined(separator: " OR ") + ")"
        case .not(let inner):
            return "NOT \(Self.sql(inner, &bindings))"
        }
    }

    /// `field` equals one of `values`; never NULL, so NOT keeps the index's meaning.
    private static func test(_ field: String, _ values: [MetadataValue], _ bind: (MetadataValue) -> String) -> String {
        let tests: [String] = values.map { value in
            switch (field, value) {
            case ("tags", _): "\(bind(value))::text = ANY(tags)"
            case ("document_id", _): "id = \(bind(value))::uuid"
            case (_, .number): "\(field) = \(bind(value))::float8"
            case (_, .text): "\(field) = \(bind(value))::text"
            }
        }
        return "COALESCE(" + (tests.count == 1 ? tests[0] : "(" + tests.joined(separator: " OR ") + ")") + ", false)"
    }
}
