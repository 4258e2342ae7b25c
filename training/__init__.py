"""Training of the models the agent runs (TensorFlow lives only here, in the train extra)."""
