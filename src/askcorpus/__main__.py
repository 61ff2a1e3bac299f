from askcorpus.cli import main

main()
