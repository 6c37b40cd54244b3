/// The Plotting module of SubBit (see DESIGN.md). Concepts live one per file.
public enum PlottingModule {}
