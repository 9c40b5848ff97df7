# Appended by repo2docker (--appendix) to the image built from binder/: the single-user server
# at the chart's JupyterHub version (chart 4.4.0 runs JupyterHub 5.5.0) and nbgitpuller.
RUN python -m pip install --no-cache-dir jupyterhub==5.5.0 nbgitpuller==1.3.0
