"""Server-rendered pages for people: templates, static files and charts, all inside the package.

Nothing is fetched from the network at run time: the stylesheet and the few lines of script
are served by the app itself and charts are drawn on the server as SVG.
"""
