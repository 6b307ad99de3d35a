project = "gsmtheory"
