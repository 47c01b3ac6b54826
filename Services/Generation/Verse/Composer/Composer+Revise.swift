extension Composer {
    /// The draft with every line the critic flagged written again (a new attempt per
    /// iteration); repeated choruses follow their rewritten original.
    package func revise(_ draft: SongDraft, issues: [LineIssue], plan: SongPlan, palette: Palette, iteration: Int) -> SongDraft {
        var revised = draft
        for issue in issues where issue.section < revised.sections.count && issue.line < revised.sections[issue.section].count {
            let current = revised.sections[issue.section]
            let rewritten =
                self.rewriteLine(issue.line, of: issue.section, plan: plan, palette: palette, current: current, rhymeWith: issue.rhymeWith, attempt: iteration)
                ?? self.rewriteLine(issue.line, of: issue.section, plan: plan, palette: palette, current: current, rhymeWith: nil, attempt: iteration)
            if let rewritten { revised.sections[issue.section][issue.line] = rewritten }
        }
        return revised.repeatingChoruses(plan)
    }
}

extension SongDraft {
    /// Sections that repeat another take its lines again.
    package func repeatingChoruses(_ plan: SongPlan) -> SongDraft {
        var draft = self
        for (index, section) in plan.sections.enumerated() where index < draft.sections.count {
            if let original = section.repeats, original < draft.sections.count { draft.sections[index] = draft.sections[original] }
        }
        return draft
    }
}
