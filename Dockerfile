# Dropout Lab in a container: `docker build -t dropout-lab . && docker run -p 8501:8501 dropout-lab`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY app.py ./
COPY .streamlit ./.streamlit
COPY core ./core
COPY ui ./ui
COPY pages ./pages
COPY assets ./assets

# Train the default views of Training lab and Inference now (about 1.5 minutes), so that every replica
# starts with them instead of training them in the background.
RUN python -m ui.cached.precompute
# plotly.js for the live charts, copied from the installed plotly package into static/ (served at app/static/).
RUN python -c "from ui.live import ensure_plotly_js; assert ensure_plotly_js()"

RUN useradd --create-home learner && chown -R learner .cache
USER learner

EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# Listen on every interface inside the container (config.toml says 127.0.0.1 for local use).
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
