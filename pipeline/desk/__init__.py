"""The officer's desk (`adal serve`): a local web page over the same library as the CLI."""
