/// What the user can change to get past an error. Library errors say which setting, never a
/// command-line flag: only the executable knows its flags, and words the remedy as one.
public enum Remedy: Sendable, Equatable {
    /// Name the field delimiter: the header did not tell it.
    case giveDelimiter
    /// Allow more missing values per row: too few rows are left to cluster.
    case raiseRowThreshold
    /// Allow more missing values per column: every column was dropped.
    case raiseColumnThreshold
    /// A column asked to be dropped is not in the schema.
    case checkDropColumns
    /// Give a number of segments, or a range for the sweep to choose from.
    case giveK
    /// Allow the output folder's previous report to be replaced.
    case allowReplacing
}

/// An error that knows its `Remedy`.
public protocol RemediableError: Error {
    var remedy: Remedy? { get }
}
