/// The ModelIO module of SubBit (see DESIGN.md). Concepts live one per file.
public enum ModelIOModule {}
