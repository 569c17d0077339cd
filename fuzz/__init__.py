"""Coverage-guided fuzzing harnesses (atheris / libFuzzer); see ``fuzz.ami``."""
