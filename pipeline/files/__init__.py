"""Reading and writing files safely: workbooks in (hostile files contained), workbooks and
Word documents out. Imports only the core."""
