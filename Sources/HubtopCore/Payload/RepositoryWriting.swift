extension JSONWriter {
    /// Writes a `repository` object the way Docker Hub sends it (its keys, in its order), leaving
    /// out fields that are nil. Used by the demo feed and the benchmarks' payload generator.
    public mutating func repository(_ info: RepositoryInfo) {
        beginObject()
        let numbers: [(String, Double?)] = [
            ("comment_count", info.commentCount), ("date_created", info.dateCreated),
        ]
        for (name, value) in numbers where value != nil {
            key(name)
            number(value)
        }
        let texts: [(String, String?)] = [
            ("description", info.description), ("dockerfile", info.dockerfile),
            ("full_description", info.fullDescription),
        ]
        for (name, value) in texts where value != nil {
            key(name)
            string(value)
        }
        let flags: [(String, Bool?)] = [
            ("is_official", info.isOfficial), ("is_private", info.isPrivate), ("is_trusted", info.isTrusted),
        ]
        for (name, value) in flags where value != nil {
            key(name)
            bool(value)
        }
        let identity: [(String, String?)] = [
            ("name", info.name), ("namespace", info.namespace), ("owner", info.owner),
            ("repo_name", info.repoName), ("repo_url", info.repoURL),
        ]
        for (name, value) in identity where value != nil {
            key(name)
            string(value)
        }
        if let stars = info.starCount {
            key("star_count")
            number(stars)
        }
        if let status = info.status {
            key("status")
            string(status)
        }
        endObject()
    }
}
