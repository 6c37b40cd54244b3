/// The Training module of SubBit (see DESIGN.md). Concepts live one per file.
public enum TrainingModule {}
