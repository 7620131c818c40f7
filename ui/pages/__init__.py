"""The app's pages (Streamlit skips this file); a package so that import-linter checks them too."""
