// Placeholder so the module library exists before its sources land.
