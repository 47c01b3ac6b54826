extension Metadata {
    /// As carried in OPEN, HEADERS and STATUS frames.
    package var wireEntries: [Lyrica_Rpc_V1_MetadataEntry] {
        self.entries.map { entry in
            var wire = Lyrica_Rpc_V1_MetadataEntry()
            wire.key = entry.key
            wire.value = entry.value
            return wire
        }
    }

    package init(wireEntries: [Lyrica_Rpc_V1_MetadataEntry]) {
        self.init(wireEntries.map { ($0.key, $0.value) })
    }
}
