"""Where projects are kept: the `.rdproj` project file, its layout, its lock and who holds it."""
