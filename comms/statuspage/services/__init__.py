"""Every write of the status page: the page and its components (``page``), maintenance
(``maintenance``), subscribers (``subscribers``), their mail (``mailing``), vendor feeds (``vendor``)."""
