"""Pages of dossiers: ``applicant`` (filing, my dossiers, supplement), ``office`` (the one-stop
office), ``public`` (lookup, finished dossiers). Views parse input, call one service, render."""
