"""The dashboard (`make dashboard`): Streamlit pages over the published warehouse file, never the build file."""
