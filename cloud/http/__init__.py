"""HTTP concerns of the cloud API that no single route owns: input guards and error answers."""
