"""fieldledger dashboard (`make dashboard`: streamlit run orchestration/dashboard/app.py) on the published file."""

from pathlib import Path

import streamlit as st

from orchestration.dashboard.warehouse import PAGES

HERE = Path(__file__).parent

st.set_page_config(page_title="fieldledger", page_icon=":material/account_balance:", layout="wide")
# the first page is the default one, served at the root (Streamlit ignores a default page's url_path)
navigation = st.navigation([st.Page(HERE / page.file, title=page.title, url_path=page.url_path or None, icon=page.icon,
                                    default=not page.url_path) for page in PAGES])
navigation.run()
