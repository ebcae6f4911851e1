"""The book layer: everything that turns pwcore's results into the Jupyter Book.

One module per concept; the core modules of pwcore never import this package.

=================  ===========================================================================
``paths``          where the checkout, ``notebooks/runs.yml``, ``book/generated`` and pwcore are
``runs``           the runs of ``runs.yml``: template, parameters, and the runs each one reads
``fingerprint``    the hash of what produces a notebook: template, parameters, pwcore, reads
``imports``        which pwcore modules a template runs
``record``         what an executed notebook records: machine, commit, template, fingerprint
``plan``           which notebooks to re-execute, and why
``execution``      executing one run with papermill, atomically, and stamping its record
``progress``       one progress bar over the notebooks, with the time left
``regenerate``     carrying out a plan
``timings``        how long each notebook took, read back from its papermill metadata
``html``           the jupyter-book build, with MathJax served locally
``pdf``            the whole book printed to one PDF by headless Chromium
``cli``            ``python -m pwcore.book``
``rerun``          ``python -m pwcore.book run``: one template, a reader's parameters, a notebook of their own
``notebook``       the one setup helper the templates call
``provenance``     code version, libraries, machine, data checksums of a page
``figures``        the book's figures (matplotlib)
``report``         the sentences and Markdown tables that state a result, and their CSV files
``calibration``    a calibration page's table, summary and best setting (read back by other pages)
``sweeps``         a learning-rate page's glued values, tables, sentences and figure
``beyond``         the figures, tables and plain answers of the "Beyond the paper" pages
``practice``       the second edition's targets stated and drawn, its comparisons judged as one family
``claims``         which paired ratios may carry a claim word (not seconds; seeds, width, Holm)
``results``        the book's results store, and the table of stored results on each page
``audit``          which notebooks CI re-executes from scratch, the store bypassed
``pdflink``        every page's link to the printed book
``alttext``        a Sphinx extension: every image's alternative text is its caption
=================  ===========================================================================
"""
